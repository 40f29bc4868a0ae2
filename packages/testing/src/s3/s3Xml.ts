// S3's XML wire format: just what the test server writes and the few request bodies it reads.

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`,
  );
}

function unescapeXml(value: string): string {
  return value.replace(/&(lt|gt|amp|apos|quot);/g, (_, name: string) => {
    return ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' } as Record<string, string>)[name]!;
  });
}

export type XmlValue = string | number | boolean | undefined | XmlNode | XmlNode[];
export interface XmlNode {
  [element: string]: XmlValue;
}

function render(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => render(name, item)).join('');
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([child, v]) => render(child, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A whole S3 response document with the S3 namespace on its root element. */
export function xmlDocument(root: string, body: XmlNode): string {
  const inner = Object.entries(body)
    .map(([child, v]) => render(child, v))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}">${inner}</${root}>`;
}

export function errorDocument(code: string, message: string, extra: Record<string, string>): string {
  const inner = render('Code', code) + render('Message', message);
  const rest = Object.entries(extra)
    .map(([k, v]) => render(k, v))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${inner}${rest}</Error>`;
}

/** The text of every `<tag>` element (non-nested elements only, which is all S3 request bodies hold). */
export function elements(xml: string, tag: string): string[] {
  const found: string[] = [];
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  for (const match of xml.matchAll(pattern)) found.push(match[1]!);
  return found;
}

export function elementText(xml: string, tag: string): string | undefined {
  const value = elements(xml, tag)[0];
  return value === undefined ? undefined : unescapeXml(value.trim());
}
