import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import { getTemplate, presentTemplate } from '../shared/domain/templates.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { templateIdParams } from '../shared/schemas/path-params.schema.ts';

const templates = new DynamoTemplateRepository();

export const handler = userRoute({ params: templateIdParams }, async ({ userId, params }) =>
  json(200, presentTemplate(await getTemplate(templates, userId, params.templateId))),
);
