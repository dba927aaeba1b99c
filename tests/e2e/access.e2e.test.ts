import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { browserSuite } from '../helpers/browserSuite';
import { openRoom, ownRoom } from '../helpers/roomPage';
import { createRoom } from '../helpers/server';

const role = (page: Page) => page.getByTestId('my-role').textContent();

describe('the owner controls the room from the page', () => {
  const suite = browserSuite();

  it('role changes reopen the page with the new role; removal, a replaced link and private mode end access with a message', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const { page: owner } = await ownRoom(browser, server.url);
    const bob = await openRoom(browser, await owner.getByTestId('edit-link-url').inputValue());
    const carol = await openRoom(browser, await owner.getByTestId('view-link-url').inputValue());
    await expect.poll(() => role(bob)).toBe('You can edit');
    await expect.poll(() => role(carol)).toBe('You can view');

    // Both appear in the owner's list; making Bob a viewer reopens his page read-only, with why.
    await expect.poll(() => owner.getByTestId('member').count(), { timeout: 10_000 }).toBe(2);
    const bobId = await bob.evaluate(async () => ((await (await fetch('/api/me')).json()) as { id: string }).id);
    const bobRow = owner.locator(`[data-testid="member"][data-user="${bobId}"]`);
    await bobRow.getByRole('combobox').selectOption('viewer');
    await bob.getByTestId('read-only-banner').waitFor({ timeout: 10_000 });
    expect(await bob.getByTestId('access-notice').textContent()).toContain('the owner made you a viewer');
    await bob.locator('[data-testid="sync-status"][data-synced="true"]').waitFor({ timeout: 10_000 });
    expect(await role(bob)).toBe('You can view');

    // And back: an editor again, tools enabled.
    await bobRow.getByRole('combobox').selectOption('editor');
    await expect.poll(() => role(bob), { timeout: 10_000 }).toBe('You can edit');
    expect(await bob.getByTestId('read-only-banner').count()).toBe(0);
    expect(await bob.locator('[data-tool="brush"]').isDisabled()).toBe(false);

    // Replacing the view link: Carol (who came with it) now views as anyone with the room id does.
    const oldView = await owner.getByTestId('view-link-url').inputValue();
    await owner.getByTestId('rotate-view').click();
    await owner.getByRole('button', { name: 'Replace link' }).click();
    await expect.poll(() => owner.getByTestId('view-link-url').inputValue(), { timeout: 10_000 }).not.toBe(oldView);
    await expect.poll(() => carol.getByTestId('access-notice').textContent(), { timeout: 10_000 }).toContain('was replaced');

    // Private: Carol has no role any more and is shown why, with no reconnect loop; the old link does not open it.
    // (The box shows what the server answers, so it turns checked a moment after the click.)
    await owner.getByTestId('private-toggle').click();
    await expect.poll(() => owner.getByTestId('private-toggle').isChecked(), { timeout: 10_000 }).toBe(true);
    await carol.getByText('Room unavailable').waitFor({ timeout: 10_000 });
    expect(await carol.locator('main').textContent()).toContain('private');
    const stale = await openRoomExpectingRefusal(browser, oldView);
    expect(await stale.locator('main').textContent()).toMatch(/not valid/);

    // Removing Bob closes his page with the reason.
    await bobRow.getByRole('button', { name: 'Remove' }).click();
    await bobRow.getByRole('button', { name: 'Remove' }).click();
    await bob.getByText('Room unavailable').waitFor({ timeout: 10_000 });
    expect(await bob.locator('main').textContent()).toContain('removed you');
  });

  it('a room without an owner: anyone edits, and whoever claims it owns it with its links', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const roomId = await createRoom(server.url, false);
    const first = await openRoom(browser, `${server.url}/r/${roomId}`);
    const second = await openRoom(browser, `${server.url}/r/${roomId}`);
    expect(await role(first)).toMatch(/no owner yet/);
    await first.getByTestId('claim-room').click();
    await expect.poll(() => role(first), { timeout: 10_000 }).toBe('You own this room');
    await first.locator('[data-testid="sync-status"][data-synced="true"]').waitFor({ timeout: 10_000 });
    expect(await first.getByTestId('edit-link-url').inputValue()).toMatch(/#key=/);
    expect(await first.getByTestId('access-notice').count()).toBe(0);
    // The one painting there when it was claimed keeps editing.
    expect(await role(second)).toMatch(/no owner yet/);
    await second.reload();
    await expect.poll(() => role(second), { timeout: 10_000 }).toBe('You can edit');
  });
});

async function openRoomExpectingRefusal(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByText('Room unavailable').waitFor({ timeout: 30_000 });
  return page;
}
