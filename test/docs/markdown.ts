/**
 * Reads what the docs test needs from a Markdown file: its links (inline `[text](target)`, images and
 * reference definitions `[id]: target`) and the anchors its headings get on GitHub. Code blocks, inline
 * code and HTML comments are left out first, so that an example such as `[x](y)` is not taken for a link.
 */

export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/** The file's lines with fenced code blocks blanked (line numbers kept). */
function proseLines(text: string): string[] {
  const lines = text.split("\n");
  let fence: string | undefined;
  return lines.map((line) => {
    const marker = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker?.startsWith(fence)) fence = undefined;
      return "";
    }
    if (marker) {
      fence = marker;
      return "";
    }
    return line;
  });
}

/** Prose with inline code and HTML comments blanked, line breaks kept. */
function prose(text: string): string {
  return proseLines(text)
    .join("\n")
    .replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\n]/g, " "))
    .replace(/(`+)[^`]*?\1/g, (code) => " ".repeat(code.length));
}

const INLINE_LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm;

export function markdownLinks(text: string): MarkdownLink[] {
  const body = prose(text);
  const lineOf = (index: number) => body.slice(0, index).split("\n").length;
  const links: MarkdownLink[] = [];
  for (const pattern of [INLINE_LINK, REFERENCE_DEFINITION]) {
    for (const match of body.matchAll(pattern)) {
      if (match[1]) links.push({ target: match[1], line: lineOf(match.index ?? 0) });
    }
  }
  return links;
}

/** The heading texts of a Markdown file (ATX headings outside code blocks), without their `#` marks. */
export function markdownHeadings(text: string): string[] {
  const headings: string[] = [];
  for (const line of proseLines(text)) {
    const match = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (match?.[1]) headings.push(match[1]);
  }
  return headings;
}

/**
 * GitHub's anchor for a heading: the rendered text (code marks and link syntax dropped) in lower case,
 * every character that is not a letter, a digit, `_`, `-` or a space removed, spaces turned into `-`;
 * a repeated anchor gets `-1`, `-2`… (github-slugger's rules).
 */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const heading of markdownHeadings(text)) {
    const rendered = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[`*]/g, "");
    const base = rendered
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}
