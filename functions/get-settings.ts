import { DynamoSettingsRepository } from '../shared/adapters/dynamo-settings-repository-adapter.ts';
import { settingsOf } from '../shared/domain/settings.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';

const settings = new DynamoSettingsRepository();

export const handler = userRoute({}, async ({ userId }) => json(200, await settingsOf(settings, userId)));
