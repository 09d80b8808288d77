import { DynamoFileRepository } from '../shared/adapters/dynamo-file-repository-adapter.ts';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { S3FileStore } from '../shared/adapters/s3-file-store-adapter.ts';
import { presentFile, presentNotification } from '../shared/domain/files.ts';
import { NotFoundError } from '../shared/errors.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { fileIdParams } from '../shared/schemas/path-params.schema.ts';

const files = new DynamoFileRepository();
const notifications = new DynamoNotificationRepository();
const store = new S3FileStore();

export const handler = userRoute({ params: fileIdParams }, async ({ userId, params }) => {
  const [file, fileNotifications] = await Promise.all([files.getFile(userId, params.fileId), notifications.listForFile(userId, params.fileId)]);
  if (!file) throw new NotFoundError(`File ${params.fileId}`);
  return json(200, { ...(await presentFile(file, store)), notifications: fileNotifications.map(presentNotification) });
});
