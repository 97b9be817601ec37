// A screenshot for looking at a view by hand:
//   node tests/browser/shot.mjs URL OUT.png [WIDTHxHEIGHT] [CSS selector to capture]
import { launch } from './chromium.mjs';

const [url, out, size = '1280x900', selector] = process.argv.slice(2);
const [width, height] = size.split('x').map(Number);
const ctx = await launch({ viewport: { width, height }, serviceWorkers: 'block', isMobile: width < 600, hasTouch: width < 600 });
const page = await ctx.newPage();
page.on('pageerror', (e) => console.log('pageerror', String(e)));
await page.goto(url);
await page.waitForSelector('#progress', { state: 'hidden', timeout: 60_000 }).catch(() => console.log('progress still shown'));
await page.waitForTimeout(400);
if (selector) await page.locator(selector).first().screenshot({ path: out });
else await page.screenshot({ path: out, fullPage: !process.env.VIEWPORT_ONLY });
await ctx.close();
