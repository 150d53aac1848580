// Label and field selectors: parsing and matching, as apimachinery's labels and fields packages.
// Pure functions; a parse failure throws SelectorError, which the API turns into a 400.
import type { MetaLabelSelector } from './objects.js';

export class SelectorError extends Error {}

export type LabelOperator = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt';
export interface LabelRequirement { key: string; operator: LabelOperator; values: string[] }
export type LabelSelector = LabelRequirement[];

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Parses the label selector syntax: `a=b,c!=d,e in (f,g),h notin (i),j,!k,l>1`. */
export function parseLabelSelector(text: string): LabelSelector {
  const reqs: LabelRequirement[] = [];
  let i = 0;
  const s = text;
  const ws = () => { while (i < s.length && /\s/.test(s[i])) i++; };
  const ident = (): string => {
    ws();
    const start = i;
    while (i < s.length && !/[\s,=!()<>]/.test(s[i])) i++;
    return s.slice(start, i);
  };
  const fail = (why: string): never => { throw new SelectorError(`unable to parse requirement: ${why}`); };
  while (true) {
    ws();
    if (i >= s.length) break;
    let operator: LabelOperator;
    let values: string[] = [];
    let key: string;
    if (s[i] === '!') {
      i++;
      key = ident();
      operator = '!';
    } else {
      key = ident();
      ws();
      if (i >= s.length || s[i] === ',') operator = 'exists';
      else if (s.startsWith('==', i)) { operator = '=='; i += 2; values = [ident()]; }
      else if (s.startsWith('!=', i)) { operator = '!='; i += 2; values = [ident()]; }
      else if (s[i] === '=') { operator = '='; i += 1; values = [ident()]; }
      else if (s[i] === '>') { operator = 'gt'; i += 1; values = [ident()]; }
      else if (s[i] === '<') { operator = 'lt'; i += 1; values = [ident()]; }
      else {
        const word = ident();
        if (word !== 'in' && word !== 'notin') return fail(`found '${word}', expected: in, notin, =, ==, !=, gt, lt`);
        operator = word;
        ws();
        if (s[i] !== '(') fail(`found '${s[i] ?? ''}', expected: '('`);
        i++;
        const close = s.indexOf(')', i);
        if (close < 0) fail(`found '', expected: ')'`);
        values = s.slice(i, close).split(',').map((v) => v.trim());
        if (values.length === 1 && values[0] === '') values = [];
        i = close + 1;
        if (values.length === 0) fail(`for 'in', 'notin' operators, values set can't be empty`);
      }
    }
    if (!QUALIFIED_NAME.test(key)) fail(`invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
    for (const v of values) {
      if (v.length > 63 || !LABEL_VALUE.test(v)) fail(`invalid label value: "${v}": at key: "${key}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
      if ((operator === 'gt' || operator === 'lt') && !/^-?\d+$/.test(v)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
    }
    reqs.push({ key, operator, values });
    ws();
    if (i < s.length) {
      if (s[i] !== ',') fail(`found '${s[i]}', expected: ',' or 'end of string'`);
      i++;
      ws();
      if (i >= s.length) fail(`found '', expected: identifier after ','`);
    }
  }
  return reqs;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const r of selector) {
    // The label's value, undefined when there is no such label.
    const v = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key) ? labels[r.key] : undefined;
    switch (r.operator) {
      case '=': case '==': case 'in': if (v === undefined || !r.values.includes(v)) return false; break;
      case '!=': case 'notin': if (v !== undefined && r.values.includes(v)) return false; break;
      case 'exists': if (v === undefined) return false; break;
      case '!': if (v !== undefined) return false; break;
      case 'gt': if (v === undefined || !/^-?\d+$/.test(v) || !(Number(v) > Number(r.values[0]))) return false; break;
      case 'lt': if (v === undefined || !/^-?\d+$/.test(v) || !(Number(v) < Number(r.values[0]))) return false; break;
    }
  }
  return true;
}

/** A label selector as a map (`{app: "web"}`), e.g. an RC's spec.selector. */
export function selectorFromMap(map: Record<string, string>): LabelSelector {
  return Object.entries(map).map(([key, v]) => ({ key, operator: '=', values: [v] }));
}

/**
 * metav1.LabelSelector as requirements, as LabelSelectorAsSelector makes them: matchLabels are
 * equalities, matchExpressions' In/NotIn/Exists/DoesNotExist their operators; sorted by key.
 */
export function selectorFromLabelSelector(sel: MetaLabelSelector | undefined): LabelSelector {
  const reqs: LabelRequirement[] = selectorFromMap(sel?.matchLabels ?? {});
  for (const e of sel?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort();
    switch (e.operator) {
      case 'In': reqs.push({ key: e.key, operator: 'in', values }); break;
      case 'NotIn': reqs.push({ key: e.key, operator: 'notin', values }); break;
      case 'Exists': reqs.push({ key: e.key, operator: 'exists', values: [] }); break;
      case 'DoesNotExist': reqs.push({ key: e.key, operator: '!', values: [] }); break;
      default: throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The selector's text, as labels.Selector's String(): `app=web,tier in (a,b),!canary`. */
export function formatSelector(selector: LabelSelector): string {
  return selector.map((r) => {
    switch (r.operator) {
      case 'in': case 'notin': return `${r.key} ${r.operator} (${r.values.join(',')})`;
      case 'exists': return r.key;
      case '!': return `!${r.key}`;
      case 'gt': return `${r.key}>${r.values[0]}`;
      case 'lt': return `${r.key}<${r.values[0]}`;
      default: return `${r.key}${r.operator}${r.values[0]}`;
    }
  }).join(',');
}

export interface FieldRequirement { field: string; operator: '=' | '!='; value: string }
export type FieldSelector = FieldRequirement[];

/** Parses `a=b,c!=d,e==f`; backslash escapes `,`, `=` and `!` in values. */
export function parseFieldSelector(text: string): FieldSelector {
  const out: FieldRequirement[] = [];
  if (text.trim() === '') return out;
  for (const term of splitUnescaped(text, ',')) {
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = m[1].trim();
    out.push({ field, operator: m[2] === '!=' ? '!=' : '=', value: unescapeValue(m[3]) });
  }
  return out;
}

export function matchesFields(selector: FieldSelector, fields: Record<string, string>): boolean {
  for (const r of selector) {
    const v = fields[r.field] ?? '';
    if (r.operator === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) { cur += s[i] + s[i + 1]; i++; continue; }
    if (s[i] === sep) { parts.push(cur); cur = ''; continue; }
    cur += s[i];
  }
  parts.push(cur);
  return parts;
}

function unescapeValue(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}
