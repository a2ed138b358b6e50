import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { type RunningLocalServer, startLocalServer } from 'example-local-server/harness'
import { type Browser, chromium, type Page } from 'playwright-core'

/**
 * A person's visit, in headless Chromium (Debian's `chromium`, driven by
 * playwright-core; nothing is downloaded): sign in, fill the cart, reload,
 * check out and resend the same checkout, sign out. The cookie's flags are
 * read from the browser's own cookie store.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * The page's `document`, typed for a function that runs in the browser
 * (this project compiles without DOM types; the function is sent to the page
 * as source, so the cast is written inside it).
 */
interface PageGlobals {
  document: { cookie: string }
}

describe('the shop in a real browser', () => {
  let server: RunningLocalServer
  let browser: Browser

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No browser at ${CHROMIUM}: install Debian's with \`sudo apt-get install -y chromium\`.`)
    }
    server = await startLocalServer()
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-gpu',
        '--disable-component-update',
        '--no-first-run',
      ],
    })
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  const text = (page: Page, selector: string) => page.locator(selector).textContent()
  /** Waits until the page has shown the results of everything it started (its `body[data-idle]`). */
  const settled = (page: Page) => page.waitForSelector('body[data-idle="true"]')
  /** Clicks and waits for what the click started: the click handler marks the page busy before it returns. */
  const act = async (page: Page, selector: string) => {
    await page.click(selector)
    await settled(page)
  }
  const cartRows = (page: Page) =>
    page.$$eval('#cart-items tr', (rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)))

  test('sign in, fill the cart, reload, check out twice for one order, sign out', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40[13]/.test(message.text())) pageErrors.push(message.text())
    })

    await page.goto(`${server.url}/`)
    await settled(page)
    expect(await text(page, '#who')).toBe('Not signed in')
    expect(await context.cookies()).toEqual([]) // looking costs nothing: no session, no cookie

    await page.fill('#user-id', 'ada')
    await act(page, '#login')
    expect(await text(page, '#who')).toBe('Signed in as ada')

    // The browser's own cookie store: the flags it actually applied.
    const [sid, ...others] = await context.cookies()
    expect(others).toEqual([])
    expect(sid).toMatchObject({
      name: 'sid',
      domain: '127.0.0.1',
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      expires: -1, // a browser-session cookie
    })
    const documentCookie = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.cookie)
    expect(documentCookie).toBe('') // HttpOnly: scripts can't read it

    await page.selectOption('#sku', 'mug')
    await page.fill('#qty', '2')
    await act(page, '#add')
    await page.selectOption('#sku', 'green-tea')
    await page.fill('#qty', '1')
    await act(page, '#add')

    await page.reload()
    await settled(page)
    expect(await text(page, '#who')).toBe('Signed in as ada')
    expect(await cartRows(page)).toEqual([
      ['Enamel mug', '2'],
      ['Green tea, 100 g', '1'],
    ])

    await act(page, '#checkout')
    expect(await text(page, '#replayed')).toBe('new order')
    const orderId = await text(page, '#order-id')
    expect(orderId).toMatch(/^[0-9a-f-]{36}$/)
    expect(await text(page, '#cart-empty')).toBe('Your cart is empty.')

    // The same request again, as a client would after a timeout: same key, same order.
    await act(page, '#retry-checkout')
    expect(await text(page, '#replayed')).toMatch(/^replayed/)
    expect(await text(page, '#order-id')).toBe(orderId)
    expect(await page.locator('#orders li').count()).toBe(1)

    await act(page, '#logout')
    expect(await text(page, '#who')).toBe('Not signed in')
    expect(await context.cookies()).toEqual([])
    expect(await page.locator('#orders li').count()).toBe(0)
    expect(pageErrors).toEqual([])
    await context.close()
  }, 60_000)
})
