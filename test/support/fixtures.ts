import { randomUUID } from 'node:crypto';
import { newId, notificationIdFor } from '../../shared/domain/ids.ts';
import type { NotificationRecord } from '../../shared/ports.ts';

type Overrides = Partial<Omit<NotificationRecord, 'file'>> & { file?: Partial<NotificationRecord['file']> };

/**
 * A pending notification as the fan-out writes one, for a fresh user, file and rule unless the
 * overrides name them; its id is derived from the file and rule as the fan-out derives it.
 */
export function pendingNotificationRecord(overrides: Overrides = {}): NotificationRecord {
  const { file, ...rest } = overrides;
  const userId = rest.userId ?? `user-${randomUUID()}`;
  const fileId = rest.fileId ?? newId();
  const ruleId = rest.ruleId ?? newId();
  const at = rest.createdAt ?? new Date().toISOString();
  return {
    userId,
    notificationId: notificationIdFor(fileId, ruleId),
    fileId,
    ruleId,
    channel: 'sms',
    target: '+14155550100',
    status: 'pending',
    attempts: 0,
    createdAt: at,
    updatedAt: at,
    history: [{ status: 'pending', at }],
    ...rest,
    file: {
      fileName: 'a.pdf',
      fileType: 'pdf',
      contentType: 'application/pdf',
      sizeBytes: 1,
      tags: [],
      uploadedAt: at,
      objectKey: `uploads/${userId}/${fileId}`,
      ...file,
    },
  };
}
