/**
 * A minimal XML writer for the query protocol's answers: elements and text only, every text escaped. Beyond the
 * five markup characters, `\r` is written as `&#xD;` (an XML parser would otherwise normalise `\r\n` to `\n` and a
 * message body would come back changed — SQS escapes it the same way), and characters XML 1.0 cannot carry at all
 * (https://www.w3.org/TR/xml/#charsets) are replaced by U+FFFD rather than producing a document no client can parse;
 * SQS refuses such message bodies before they are stored (InvalidMessageContents), so only hostile names and
 * echoed input can contain them.
 */

export type XmlChild = XmlElement | string | number | boolean | undefined;

export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlChild[];
}

/** `element("QueueUrl", url)`; undefined children are left out, so optional members can be passed as they are. */
export function element(name: string, ...children: XmlChild[]): XmlElement {
  return { name, children };
}

/** The root element carries the service's namespace (`xmlns`). */
export function renderXmlDocument(root: XmlElement, namespace: string): string {
  const parts: string[] = ['<?xml version="1.0"?>'];
  parts.push(`<${root.name} xmlns="${escapeXml(namespace)}">`);
  for (const child of root.children) writeChild(child, parts);
  parts.push(`</${root.name}>`);
  return parts.join("");
}

function write(node: XmlElement, parts: string[]): void {
  if (node.children.every((child) => child === undefined)) {
    parts.push(`<${node.name}/>`);
    return;
  }
  parts.push(`<${node.name}>`);
  for (const child of node.children) writeChild(child, parts);
  parts.push(`</${node.name}>`);
}

function writeChild(child: XmlChild, parts: string[]): void {
  if (child === undefined) return;
  if (typeof child === "object") write(child, parts);
  else parts.push(escapeXml(String(child)));
}

const MARKUP: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  "\r": "&#xD;",
};

const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 forbids.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, "\uFFFD").replace(/[&<>"'\r]/g, (character) => MARKUP[character] as string);
}
