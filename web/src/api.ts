/** The console's only way to the system: the HTTP contract (see CONTRACT.md), typed. */

import type { NotificationStatus } from '../../shared/domain/notification-status.ts';
import { takePrefetched } from './prefetch.ts';
import { postFileWithProgress } from './upload.ts';

export { notificationStatuses, type NotificationStatus } from '../../shared/domain/notification-status.ts';
/** Statuses after which nothing more is expected (`read` only ever follows `delivered`). */
export const finalStatuses: ReadonlySet<string> = new Set(['delivered', 'undelivered', 'failed', 'suppressed', 'read']);

export type Channel = 'sms' | 'mms' | 'whatsapp' | 'email';
export const channels: readonly Channel[] = ['sms', 'mms', 'whatsapp', 'email'];

export interface FileMetadata {
  fileId: string;
  fileName: string;
  fileType: string;
  contentType: string;
  sizeBytes: number;
  tags: string[];
  uploadedAt: string;
  downloadUrl: string;
}

export interface Notification {
  notificationId: string;
  fileId?: string;
  ruleId?: string;
  channel: Channel;
  target: string;
  status: NotificationStatus;
  messageSid?: string;
  errorCode?: string;
  errorMessage?: string;
  attempts: number;
  segments?: number;
  encoding?: string;
  createdAt: string;
  updatedAt: string;
  /** Every status it passed through, oldest first. */
  history?: Array<{ status: NotificationStatus; at: string; errorCode?: string }>;
  /** Where it came from: "rule" (an upload), "api" (a send), "missed-call", "conversation". */
  source?: string;
  /** The message as rendered. */
  body?: string;
  templateId?: string;
  priority?: number;
  sendAt?: string;
  metadata?: Record<string, unknown>;
  /** Answered instead of a new notification: the same message went to the same number moments ago. */
  duplicate?: boolean;
}

export interface SendInput {
  to: string;
  channel?: Channel;
  body?: string;
  templateId?: string;
  variables?: Record<string, string>;
  mediaFileIds?: string[];
  sendAt?: string;
  priority?: number;
  timezone?: string;
  idempotencyKey?: string;
}

export interface Template {
  templateId: string;
  name: string;
  body: string;
  description?: string;
  variables: string[];
  createdAt: string;
  updatedAt: string;
}

export interface TemplateInput {
  name: string;
  body: string;
  description?: string | null;
}

export interface QuietHours {
  start: string;
  end: string;
  timezone: string;
}

export interface Settings {
  quietHours: QuietHours | null;
  dedupWindowSeconds: number;
  optOutFooter: string | null;
}

export interface OptOutStatus {
  phone: string;
  optedOut: boolean;
  history: Array<{ action: 'opt_out' | 'opt_in'; source: string; at: string }>;
}

export type MessageStatus = 'received' | 'stored' | 'processed';
export const messageStatuses: readonly MessageStatus[] = ['received', 'stored', 'processed'];

export interface Media {
  mediaId: string;
  contentType: string;
  sizeBytes: number;
  url: string;
  deduplicated?: boolean;
}

export interface Message {
  messageId: string;
  from: string;
  to: string;
  message: string;
  receivedAt: string;
  status: MessageStatus;
  source: 'api' | 'twilio';
  processedAt?: string;
  processingMs?: number;
  media: Media[];
}

export interface MessagePage extends Page<Message> {
  limit: number;
  offset: number;
}

export interface Metrics {
  messages: { totalProcessed: number; queueSize: number; avgProcessingMs: number | null };
  notifications: { sentToday: number; failedLast24h: number; scheduled: number };
  queues: Record<string, { visible: number; inFlight: number; oldestAgeSeconds?: number }>;
}

export interface RuleInput {
  eventType: 'file_upload';
  fileType?: string | null;
  fileNameRegex?: string | null;
  minSizeKb?: number | null;
  notifyVia: Channel;
  target: string;
  isActive?: boolean;
  messageTemplate?: string | null;
}

export interface Rule extends RuleInput {
  ruleId: string;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface PresignedUpload {
  fileId: string;
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
}

/** POST /messages/{id}/media/uploads: where to post one image straight to storage. */
export interface MediaUploadForm {
  uploadId: string;
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
  maxBytes: number;
}

export interface SimulatorMessage {
  sid: string;
  from: string;
  to: string;
  body: string;
  mediaUrls: string[];
  status: string;
  errorCode: number | string | null;
  dateCreated: string;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** An answer that is not 2xx, with the contract's error body when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** The validation problems of one field (the server's `details`: `[{field, message}]`). */
  fieldProblems(): FieldProblem[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter((d): d is FieldProblem => typeof d === 'object' && d !== null && typeof d.field === 'string' && typeof d.message === 'string');
  }
}

export type Query = Record<string, string | number | undefined | null>;

function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export interface ApiOptions {
  baseUrl: string;
  getToken: () => string | undefined;
  /** Called on a 401 from a user route: the session is over. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

export class Api {
  constructor(private readonly opts: ApiOptions) {}

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const token = this.opts.getToken();
    const doFetch = this.opts.fetch ?? fetch;
    let response: Response;
    try {
      const prefetched = method === 'GET' && !signal?.aborted ? await takePrefetched(path, token) : undefined;
      response =
        prefetched ??
        (await doFetch(`${this.opts.baseUrl}${path}`, {
          method,
          headers: {
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          ...(signal ? { signal } : {}),
        }));
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(0, 'NETWORK_ERROR', 'The API cannot be reached; check that it is running and try again.');
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      if (response.status === 401 && token) this.opts.onUnauthorized?.();
      throw new ApiError(
        response.status,
        error?.code ?? `HTTP_${response.status}`,
        error?.message ?? `The API answered ${response.status} ${response.statusText}.`,
        error?.details,
      );
    }
    return parsed as T;
  }

  localToken(userId: string) {
    return this.request<{ token: string }>('POST', '/local/token', { userId });
  }

  createUpload(input: { fileName: string; contentType: string; size: number; tags?: string[] }) {
    return this.request<PresignedUpload>('POST', '/uploads', input);
  }
  listFiles(query: { name?: string; tag?: string; type?: string; from?: string; to?: string; limit?: number; cursor?: string }) {
    return this.request<Page<FileMetadata>>('GET', `/files${queryString(query)}`);
  }
  getFile(fileId: string, signal?: AbortSignal) {
    return this.request<FileMetadata & { notifications: Notification[] }>('GET', `/files/${encodeURIComponent(fileId)}`, undefined, signal);
  }

  listRules(query: { limit?: number; cursor?: string } = {}) {
    return this.request<Page<Rule>>('GET', `/rules${queryString(query)}`);
  }
  createRule(input: RuleInput) {
    return this.request<Rule>('POST', '/rules', input);
  }
  updateRule(ruleId: string, patch: Partial<RuleInput>) {
    return this.request<Rule>('PATCH', `/rules/${encodeURIComponent(ruleId)}`, patch);
  }
  deleteRule(ruleId: string) {
    return this.request<void>('DELETE', `/rules/${encodeURIComponent(ruleId)}`);
  }

  listNotifications(query: { fileId?: string; status?: string; source?: string; to?: string; limit?: number; cursor?: string }, signal?: AbortSignal) {
    return this.request<Page<Notification>>('GET', `/notifications${queryString(query)}`, undefined, signal);
  }
  /** Waits up to `timeout` seconds for notifications created after `since`. */
  longpollNotifications(query: { since?: string; timeout?: number; limit?: number }, signal?: AbortSignal) {
    return this.request<{ items: Notification[]; cursor: string }>('GET', `/notifications/longpoll${queryString(query)}`, undefined, signal);
  }

  sendNotification(input: SendInput) {
    return this.request<Notification>('POST', '/notifications', input);
  }
  getNotification(notificationId: string, signal?: AbortSignal) {
    return this.request<Notification>('GET', `/notifications/${encodeURIComponent(notificationId)}`, undefined, signal);
  }
  cancelNotification(notificationId: string) {
    return this.request<Notification>('DELETE', `/notifications/${encodeURIComponent(notificationId)}`);
  }
  rescheduleNotification(notificationId: string, sendAt: string) {
    return this.request<Notification>('PATCH', `/notifications/${encodeURIComponent(notificationId)}`, { sendAt });
  }

  listTemplates(query: { limit?: number; cursor?: string } = {}) {
    return this.request<Page<Template>>('GET', `/templates${queryString(query)}`);
  }
  createTemplate(input: TemplateInput) {
    return this.request<Template>('POST', '/templates', input);
  }
  updateTemplate(templateId: string, patch: Partial<TemplateInput>) {
    return this.request<Template>('PATCH', `/templates/${encodeURIComponent(templateId)}`, patch);
  }
  deleteTemplate(templateId: string) {
    return this.request<void>('DELETE', `/templates/${encodeURIComponent(templateId)}`);
  }

  getSettings() {
    return this.request<Settings>('GET', '/settings');
  }
  putSettings(input: Partial<Settings>) {
    return this.request<Settings>('PUT', '/settings', input);
  }
  optOutStatus(phone: string) {
    return this.request<OptOutStatus>('GET', `/opt-outs/${encodeURIComponent(phone)}`);
  }

  listMessages(query: { from?: string; to?: string; status?: string; limit?: number; cursor?: string }, signal?: AbortSignal) {
    return this.request<MessagePage>('GET', `/messages${queryString(query)}`, undefined, signal);
  }
  getMessage(messageId: string, signal?: AbortSignal) {
    return this.request<Message>('GET', `/messages/${encodeURIComponent(messageId)}`, undefined, signal);
  }
  postMessage(input: { from: string; to: string; message: string }) {
    return this.request<{ messageId: string; status: string; receivedAt: string; duplicate?: boolean }>('POST', '/messages', input);
  }
  /** Attaches an image to a message, with real upload progress (XMLHttpRequest), as POST /messages/{id}/media takes it. */
  async attachMedia(messageId: string, file: File, onProgress: (p: { loaded: number; total: number }) => void): Promise<Media> {
    const token = this.opts.getToken();
    const answer = await postFileWithProgress(
      `${this.opts.baseUrl}/messages/${encodeURIComponent(messageId)}/media`,
      file,
      { 'content-type': file.type || 'application/octet-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      onProgress,
    );
    if (answer.status >= 200 && answer.status < 300) return answer.body as Media;
    const error = (answer.body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    if (answer.status === 401 && token) this.opts.onUnauthorized?.();
    throw new ApiError(answer.status, error?.code ?? `HTTP_${answer.status}`, error?.message ?? `The API answered ${answer.status}.`, error?.details);
  }
  /** A presigned form for one image of the message, for images larger than the API carries. */
  mediaUploadForm(messageId: string) {
    return this.request<MediaUploadForm>('POST', `/messages/${encodeURIComponent(messageId)}/media/uploads`);
  }
  listMedia(messageId: string) {
    return this.request<{ items: Media[] }>('GET', `/messages/${encodeURIComponent(messageId)}/media`);
  }
  metrics(signal?: AbortSignal) {
    return this.request<Metrics>('GET', '/metrics', undefined, signal);
  }

  simulatorMessages(signal?: AbortSignal) {
    return this.request<{ items: SimulatorMessage[] }>('GET', '/local/twilio/messages', undefined, signal);
  }
  simulateInbound(input: { from: string; to: string; body: string }) {
    return this.request<{ status: number }>('POST', '/local/twilio/inbound', input);
  }
}
