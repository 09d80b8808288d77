import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import { presentTemplate, updateTemplate } from '../shared/domain/templates.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { templateIdParams } from '../shared/schemas/path-params.schema.ts';
import { patchTemplateSchema } from '../shared/schemas/template.schema.ts';

const templates = new DynamoTemplateRepository();

export const handler = userRoute({ params: templateIdParams, body: patchTemplateSchema }, async ({ userId, params, body }) =>
  json(200, presentTemplate(await updateTemplate(templates, userId, params.templateId, body))),
);
