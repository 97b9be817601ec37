// Saves a screenshot of every view at laptop and phone size, in both languages, into test-artifacts/.
import { mkdirSync } from 'node:fs';
import { serve } from '../../scripts/serve.mjs';
import { launch } from './chromium.mjs';

export async function screenshots(ctx, base, dir = 'test-artifacts') {
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (const [name, viewport] of [['laptop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    const page = await ctx.newPage();
    await page.setViewportSize(viewport);
    for (const lang of ['pt', 'en']) for (const v of ['orquestra', 'juri', 'matriz', 'modelo']) {
      await page.goto(`${base}#v=${v}&l=3&h=4&w=2&lang=${lang}`);
      await page.waitForSelector('#view > *', { timeout: 60_000 });
      await page.waitForTimeout(200);
      const file = `${dir}/${v}-${name}-${lang}.png`;
      await page.screenshot({ path: file, fullPage: true });
      files.push(file);
    }
    await page.close();
  }
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await serve('.', 0);
  const ctx = await launch();
  console.log((await screenshots(ctx, `http://127.0.0.1:${server.address().port}/`)).join('\n'));
  await ctx.close();
  server.close();
}
