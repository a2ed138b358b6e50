// The app under Middy with the error handler every HTTP function uses: the "without our middlewares" bundle.
import middy from '@middy/core'
import httpErrorHandler from '@middy/http-error-handler'
import { shopApp } from '../app/shop-app.ts'

export const handler = middy(shopApp).use(httpErrorHandler())
