import middy from '@middy/core'
import { shopPage } from '../page.js'

/** `GET /`: the shop's page. Needs no session: the page's script asks the JSON routes. */
async function page() {
  return { statusCode: 200, headers: { ...shopPage.headers }, body: shopPage.body }
}

export const handler = middy(page)
