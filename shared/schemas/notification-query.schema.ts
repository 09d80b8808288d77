import * as z from 'zod/mini';
import { pageQuery } from '../http.ts';
import { notificationStatuses } from '../domain/notification-status.ts';
import '../validation.ts';

export const notificationSources = ['rule', 'api', 'missed-call', 'conversation'] as const;

/** GET /notifications filters, besides paging. */
export const notificationFilters = {
  fileId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  status: z.optional(z.enum(notificationStatuses, { error: `status must be one of ${notificationStatuses.join(', ')}.` })),
  source: z.optional(z.enum(notificationSources, { error: `source must be one of ${notificationSources.join(', ')}.` })),
  to: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(254))),
};

/** GET /notifications: the filters and the paging every list takes. */
export const listNotificationsQuery = z.strictObject({ ...pageQuery, ...notificationFilters });
