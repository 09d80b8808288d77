import { describe, it, expect } from 'vitest';
import {
  DEFAULT_TEMPLATE,
  formatKb,
  renderTemplate,
  templateProblems,
  templateUses,
  templateVariables,
  type TemplateValues,
} from '../../../shared/domain/message-template.ts';

const values: TemplateValues = {
  fileName: 'report.pdf',
  fileType: 'pdf',
  sizeKb: '12',
  tags: 'finance, q3',
  uploadedAt: '2030-01-01T00:00:00.000Z',
  downloadUrl: 'https://files.test/report.pdf',
};

describe('templateProblems', () => {
  it('finds nothing wrong with a template using only known placeholders', () => {
    expect(templateProblems(DEFAULT_TEMPLATE)).toEqual([]);
    expect(templateProblems(templateVariables.map((v) => `{{${v}}}`).join(' '))).toEqual([]);
  });

  it('accepts spaces inside the braces', () => {
    expect(templateProblems('{{ fileName }}')).toEqual([]);
  });

  it('lists every unknown placeholder and the ones available', () => {
    const problems = templateProblems('Hi {{user}}, {{fileName}} is {{size}}');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('Unknown placeholders {{user}}, {{size}}');
    for (const v of templateVariables) expect(problems[0]).toContain(`{{${v}}}`);
  });

  it('names a single unknown placeholder in the singular', () => {
    expect(templateProblems('{{filename}}')[0]).toMatch(/^Unknown placeholder \{\{filename\}\};/);
  });

  it('refuses an unclosed "{{"', () => {
    expect(templateProblems('New file {{fileName')).toEqual(['The template has an unclosed "{{" or a stray "}}".']);
  });

  it('refuses a stray "}}"', () => {
    expect(templateProblems('New file fileName}}')).toHaveLength(1);
  });

  it('reports an unknown placeholder and an unclosed brace together', () => {
    expect(templateProblems('{{nope}} and {{fileName')).toHaveLength(2);
  });
});

describe('renderTemplate', () => {
  it('fills all six known placeholders', () => {
    const template = templateVariables.map((v) => `${v}=[{{${v}}}]`).join(' ');
    expect(renderTemplate(template, values)).toBe(
      'fileName=[report.pdf] fileType=[pdf] sizeKb=[12] tags=[finance, q3] ' +
        'uploadedAt=[2030-01-01T00:00:00.000Z] downloadUrl=[https://files.test/report.pdf]',
    );
  });

  it('fills a placeholder written with spaces inside the braces', () => {
    expect(renderTemplate('Got {{ fileName }}', values)).toBe('Got report.pdf');
  });

  it('fills the same placeholder every time it appears', () => {
    expect(renderTemplate('{{fileType}}/{{fileType}}', values)).toBe('pdf/pdf');
  });

  it('renders the default template', () => {
    expect(renderTemplate(DEFAULT_TEMPLATE, values)).toBe('New file uploaded: report.pdf (12 KB)');
  });
});

describe('templateUses', () => {
  it('tells whether the template asks for a variable', () => {
    expect(templateUses('Get it: {{downloadUrl}}', 'downloadUrl')).toBe(true);
    expect(templateUses('Get it: {{ downloadUrl }}', 'downloadUrl')).toBe(true);
    expect(templateUses(DEFAULT_TEMPLATE, 'downloadUrl')).toBe(false);
  });
});

describe('formatKb', () => {
  it.each([
    [0, '0'],
    [512, '0.5'],
    [1024, '1'],
    [1536, '1.5'],
    [9 * 1024 + 100, '9.1'],
    [10 * 1024, '10'],
    [10 * 1024 + 600, '11'],
    [1024 * 1024, '1024'],
  ])('shows %i bytes as %s KB', (bytes, shown) => {
    expect(formatKb(bytes)).toBe(shown);
  });
});
