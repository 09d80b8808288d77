import { DynamoMessageRepository } from '../shared/adapters/dynamo-message-repository-adapter.ts';
import { S3MediaStore } from '../shared/adapters/s3-media-store-adapter.ts';
import { S3UploadedMedia } from '../shared/adapters/s3-uploaded-media-adapter.ts';
import { attachUploadedImage } from '../shared/domain/message-media.ts';
import { reportActivity } from '../shared/activity.ts';
import { logger } from '../shared/logger.ts';
import { queueConsumer } from '../shared/queue-consumer.ts';
import { objectsCreated } from '../shared/schemas/s3-event.schema.ts';
import { queues } from '../shared/topology.ts';

const messages = new DynamoMessageRepository();
const deps = { messages, media: messages, store: new S3MediaStore(), uploads: new S3UploadedMedia() };

export const handler = queueConsumer(queues.mediaUpload, async (record) => {
  for (const { key, size } of objectsCreated(record.body)) {
    const result = await attachUploadedImage(deps, { key, ...(size !== undefined ? { sizeBytes: size } : {}) });
    if (result.outcome === 'refused') logger.warn('Uploaded image refused; nothing attached', { key, reason: result.reason });
    if (result.outcome === 'attached') reportActivity(`uploaded image ${result.media.mediaId} attached`, { key, deduplicated: result.deduplicated });
  }
});
