// Cold-start baseline: the app alone, as a plain Lambda handler.
export { shopApp as handler } from '../app/shop-app.ts'
