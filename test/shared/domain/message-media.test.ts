import { describe, expect, it } from 'vitest';
import { sampleImages } from '../../../lib/local/sample-images.ts';
import { attachImage, checkImage, imageTypeOf, MAX_MEDIA_BYTES } from '../../../shared/domain/message-media.ts';
import { acceptMessage, userOwner } from '../../../shared/domain/messages.ts';
import type { MediaStore } from '../../../shared/ports.ts';
import { FakeMessageAdmission, FakeMessageIngestQueue, FakeMessageStore } from '../../support/fake-ports.ts';

class FakeMediaStore implements MediaStore {
  readonly objects = new Map<string, Uint8Array>();
  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, bytes);
    return true;
  }
}

describe('image checks', () => {
  it('recognises PNG, JPEG, GIF and WebP by their bytes', () => {
    expect(imageTypeOf(sampleImages.png())).toBe('image/png');
    expect(imageTypeOf(sampleImages.jpeg())).toBe('image/jpeg');
    expect(imageTypeOf(sampleImages.gif())).toBe('image/gif');
    expect(imageTypeOf(sampleImages.webp())).toBe('image/webp');
    for (const image of [sampleImages.png('a'), sampleImages.gif('a'), sampleImages.jpeg('a'), sampleImages.webp('a')])
      expect(checkImage(image)).toMatch(/^image\//);
  });

  it('refuses empty, oversized, non-image and truncated bodies with the matching status', () => {
    const statusOf = (bytes: Uint8Array) => {
      try {
        checkImage(bytes);
        return 200;
      } catch (err) {
        return (err as { statusCode: number }).statusCode;
      }
    };
    expect(statusOf(Buffer.alloc(0))).toBe(400);
    expect(statusOf(Buffer.concat([sampleImages.png(), Buffer.alloc(MAX_MEDIA_BYTES)]))).toBe(413);
    expect(statusOf(Buffer.from('%PDF-1.7 not an image, whatever its name says'))).toBe(415);
    expect(statusOf(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(415);
    for (const image of [sampleImages.png(), sampleImages.jpeg('abc'), sampleImages.gif(), sampleImages.webp('abcdefgh')]) {
      expect(statusOf(image.subarray(0, image.length - 3))).toBe(400);
    }
  });
});

describe('attachImage', () => {
  it('stores the same bytes once per owner, however many messages carry them', async () => {
    const messages = new FakeMessageStore();
    const store = new FakeMediaStore();
    const owner = userOwner('alice');
    const accept = { messages, admission: new FakeMessageAdmission(), queue: new FakeMessageIngestQueue() };
    const ids: string[] = [];
    for (const text of ['one', 'two']) {
      const outcome = await acceptMessage(accept, owner, { from: '+14155552671', to: '+14155552672', message: text });
      if (outcome.kind === 'accepted') ids.push(outcome.message.messageId);
    }
    const deps = { messages, media: messages, store };
    const first = await attachImage(deps, owner, ids[0]!, sampleImages.png('cat'));
    const second = await attachImage(deps, owner, ids[1]!, sampleImages.png('cat'));
    const again = await attachImage(deps, owner, ids[1]!, sampleImages.png('cat'));
    expect(first.deduplicated).toBe(false);
    expect(second).toEqual({ media: first.media, deduplicated: true });
    expect(again.deduplicated).toBe(true);
    expect(store.objects.size).toBe(1);
    expect(messages.mediaRecords.size).toBe(1);
    expect((await messages.get(owner, ids[1]!))!.media).toEqual([first.media]);
    await expect(attachImage(deps, userOwner('mallory'), ids[0]!, sampleImages.png('cat'))).rejects.toMatchObject({ statusCode: 404 });
  });
});
