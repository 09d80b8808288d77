import { describe, expect, it } from 'vitest';
import { sampleImages } from '../../../lib/local/sample-images.ts';
import {
  attachImage,
  attachUploadedImage,
  checkImage,
  imageTypeOf,
  MAX_MEDIA_BYTES,
  mediaUploadKey,
  mediaUploadTarget,
} from '../../../shared/domain/message-media.ts';
import { acceptMessage, userOwner } from '../../../shared/domain/messages.ts';
import type { MediaStore, UploadedMediaStore } from '../../../shared/ports.ts';
import { FakeMessageAdmission, FakeMessageIngestQueue, FakeMessageStore } from '../../support/fake-ports.ts';

class FakeMediaStore implements MediaStore {
  readonly objects = new Map<string, Uint8Array>();
  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, bytes);
    return true;
  }
}

class FakeUploadedMedia implements UploadedMediaStore {
  readonly objects = new Map<string, Uint8Array>();
  reads = 0;
  async read(key: string): Promise<Uint8Array | undefined> {
    this.reads++;
    return this.objects.get(key);
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
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

describe('attachUploadedImage', () => {
  async function setUp() {
    const messages = new FakeMessageStore();
    const owner = userOwner('alice@example.com');
    const accept = { messages, admission: new FakeMessageAdmission(), queue: new FakeMessageIngestQueue() };
    const outcome = await acceptMessage(accept, owner, { from: '+14155552671', to: '+14155552672', message: 'with a picture' });
    if (outcome.kind !== 'accepted') throw new Error('not accepted');
    const uploads = new FakeUploadedMedia();
    const deps = { messages, media: messages, store: new FakeMediaStore(), uploads };
    return { deps, messages, uploads, owner, messageId: outcome.message.messageId };
  }

  it('reads the owner and message back from the key it signs', () => {
    const key = mediaUploadKey('user#a/b c', '01ARZ3NDEKTSV4RRFFQ69G5FAV', '01ARZ3NDEKTSV4RRFFQ69G5FAW');
    expect(mediaUploadTarget(key)).toEqual({ owner: 'user#a/b c', messageId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    for (const other of ['uploads/x/y/z', 'media-uploads/x/y', 'media-uploads/x//z', 'media-uploads/%E0%A4%A/y/z', 'media-uploads/x/y/z/w']) {
      expect(mediaUploadTarget(other), other).toBeUndefined();
    }
  });

  it('attaches the image, deletes the posted object, and changes nothing when the event comes again', async () => {
    const { deps, messages, uploads, owner, messageId } = await setUp();
    const key = mediaUploadKey(owner, messageId, 'U1');
    uploads.objects.set(key, sampleImages.webp('large'));
    const first = await attachUploadedImage(deps, { key, sizeBytes: uploads.objects.get(key)!.length });
    expect(first).toMatchObject({ outcome: 'attached', deduplicated: false, media: { contentType: 'image/webp' } });
    expect(uploads.objects.size).toBe(0);
    expect(await attachUploadedImage(deps, { key })).toEqual({ outcome: 'gone' });
    expect((await messages.get(owner, messageId))!.media).toHaveLength(1);
  });

  it('drops what the raw-body route refuses, and a key that names no message, deleting the object', async () => {
    const { deps, messages, uploads, owner, messageId } = await setUp();
    const cases = [
      [mediaUploadKey(owner, messageId, 'TEXT'), Buffer.from('not an image')],
      [mediaUploadKey(userOwner('mallory'), messageId, 'OTHER'), sampleImages.png('theirs')],
      ['media-uploads/stray-object', sampleImages.png('stray')],
    ] as const;
    for (const [key, bytes] of cases) {
      uploads.objects.set(key, bytes);
      expect(await attachUploadedImage(deps, { key }), key).toMatchObject({ outcome: 'refused', reason: expect.any(String) });
    }
    expect(uploads.objects.size).toBe(0);
    expect(messages.mediaRecords.size).toBe(0);
    expect(deps.store.objects.size).toBe(0);
  });

  it('refuses an object larger than 5 MB by its event without reading it', async () => {
    const { deps, uploads, owner, messageId } = await setUp();
    const key = mediaUploadKey(owner, messageId, 'BIG');
    uploads.objects.set(key, sampleImages.png('big'));
    expect(await attachUploadedImage(deps, { key, sizeBytes: MAX_MEDIA_BYTES + 1 })).toMatchObject({ outcome: 'refused' });
    expect(uploads.reads).toBe(0);
    expect(uploads.objects.size).toBe(0);
  });

  it('keeps the object for a retry when storing fails', async () => {
    const { deps, uploads, owner, messageId } = await setUp();
    const key = mediaUploadKey(owner, messageId, 'RETRY');
    uploads.objects.set(key, sampleImages.png('retry'));
    const failing = { ...deps, store: { putIfAbsent: async () => Promise.reject(new Error('S3 is down')) } };
    await expect(attachUploadedImage(failing, { key })).rejects.toThrow('S3 is down');
    expect(uploads.objects.has(key)).toBe(true);
  });
});
