import * as z from 'zod/mini';
import { pageQuery } from '../http.ts';
import { notificationFilters } from './notification.schema.ts';
import '../validation.ts';

/** GET /notifications: the filters and the paging every list takes. */
export const listNotificationsQuery = z.strictObject({ ...pageQuery, ...notificationFilters });
