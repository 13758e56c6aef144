/**
 * Renders a reusable workflow's `workflow_call` interface (inputs, outputs, secrets) as the Markdown
 * tables used in docs/workflows.md, so a test can insist the docs and the YAML never disagree.
 */
type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
}

const cell = (text: unknown) => String(text).replaceAll('|', '\\|');

export function interfaceTables(name: string, doc: Obj): string {
  const call = obj(obj(doc.on).workflow_call);
  const out = [`#### ${name} interface`, '', '| input | type | default | description |', '|---|---|---|---|'];
  for (const [key, value] of Object.entries(obj(call.inputs))) {
    const input = obj(value);
    const fallback =
      input.required === true
        ? 'required'
        : input.default === undefined || input.default === ''
          ? 'empty'
          : `\`${input.default}\``;
    out.push(`| \`${key}\` | ${input.type} | ${fallback} | ${cell(input.description)} |`);
  }
  const outputs = Object.entries(obj(call.outputs));
  if (outputs.length > 0) {
    out.push('', '| output | description |', '|---|---|');
    for (const [key, value] of outputs) out.push(`| \`${key}\` | ${cell(obj(value).description)} |`);
  }
  const secrets = Object.entries(obj(call.secrets));
  if (secrets.length > 0) {
    out.push('', '| secret | description |', '|---|---|');
    for (const [key, value] of secrets) {
      out.push(
        `| \`${key}\`${obj(value).required === true ? '' : ' (optional)'} | ${cell(obj(value).description)} |`,
      );
    }
  }
  return out.join('\n');
}
