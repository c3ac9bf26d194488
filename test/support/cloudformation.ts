// Reading a synthesized template's IAM policies, for the infra tests that check who may do what.

export type Statement = {
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** The statements of a policy document. */
export const statementsIn = (document: unknown) => (document as { Statement: Statement[] }).Statement;

/** A CloudFormation value as readable text: `<Id>` for a Ref, `<Id.Attr>` for a GetAtt, joins joined. */
export const render = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const token = value as Record<string, unknown>;
  if ('Ref' in token) return `<${token.Ref}>`;
  if ('Fn::GetAtt' in token) return `<${(token['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in token) {
    const [separator, parts] = token['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  if ('Fn::Sub' in token) {
    const text = [token['Fn::Sub']].flat()[0] as string;
    return text.replace(/\$\{([^}]+)\}/g, '<$1>');
  }
  return '*'; // anything else (an import, a condition): assume the worst
};

/** Whether an IAM action pattern (`*`, `?`, any case) matches an action. */
export const matches = (pattern: string, action: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test(action);
