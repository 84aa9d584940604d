import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  form,
  submitWebRequest,
  type TestContext,
} from '../../test/helpers.ts';
import { paddedSize } from '../crypto/sealed.ts';
import { sodium } from '../crypto/sodium.ts';
import { decodeContent, encodeContent } from './message-content.ts';

/**
 * Sealed messages are padded to size buckets (#11): what a thief with the database sees of a message
 * is its bucket, not its length, nor whether the person gave a name or a contact.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  await createOperator(ctx, 'admin'); // the public form takes requests once an admin exists
});
afterAll(async () => ctx.close());

async function sealedLengthOf(receipt: string): Promise<number[]> {
  const id = (await ctx.core.intake.findByReceipt(receipt))?.id as string;
  const rows = await ctx.core.db
    .selectFrom('thread_messages')
    .select('sealed')
    .where('thread_id', '=', id)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => r.sealed.length);
}

describe('padding of sealed messages', () => {
  it('pads to powers of two from 256 bytes, then 64 KiB steps', () => {
    expect([1, 256, 257, 600, 4097, 65_536, 65_537, 200_000].map(paddedSize)).toEqual([
      256, 256, 512, 1024, 8192, 65_536, 131_072, 262_144,
    ]);
    const c = { body: 'Да' };
    expect(encodeContent(c)).toHaveLength(256);
    expect(decodeContent(encodeContent(c))).toEqual(c);
  });

  it('two messages of different lengths in one bucket, with and without name/contact, seal to equal lengths', async () => {
    const short = await submitWebRequest(ctx, { message: 'Да' });
    const longer = await submitWebRequest(ctx, {
      message: 'Хочу сдаться, я на передовой под Покровском уже месяц',
      name: 'Иван Петров',
      contact: '@ivan_p',
    });
    const [a] = await sealedLengthOf(short.receipt);
    const [b] = await sealedLengthOf(longer.receipt);
    expect(a).toBe(256 + sodium.crypto_box_SEALBYTES);
    expect(b).toBe(a);
    // A longer message lands in the next bucket — and that is all its length says.
    const big = await submitWebRequest(ctx, { message: 'Б'.repeat(200) });
    expect((await sealedLengthOf(big.receipt))[0]).toBe(512 + sodium.crypto_box_SEALBYTES);
  });

  it('still opens messages sealed before padding existed', async () => {
    const { receipt } = await submitWebRequest(ctx, { message: 'Первое', lang: 'en' });
    const id = (await ctx.core.intake.findByReceipt(receipt))?.id as string;
    const thread = await ctx.core.db
      .selectFrom('request_threads')
      .select('public_key')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    // As the code before padding stored it: the bare JSON, sealed.
    const old = ctx.core.sealer.seal(thread.public_key, JSON.stringify({ body: 'Старое без отступов' }));
    await ctx.core.db
      .insertInto('thread_messages')
      .values({
        thread_id: id,
        direction: 'in',
        author_id: null,
        sealed: old,
        created_at: new Date(ctx.clock.now().getTime() + 1000),
      })
      .execute();
    const page = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ code: receipt, lang: 'en' }),
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Первое');
    expect(page.body).toContain('Старое без отступов');
  });
});
