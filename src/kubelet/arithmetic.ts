// Shell arithmetic, `$((EXPR))`, as ash evaluates it in 64-bit signed integers: numbers (decimal,
// 0x hex, 0 octal), variables by name (unset or empty is 0), parentheses, unary + - ! ~, and the
// binary * / % + - << >> < <= > >= == != & ^ | && || in C's precedence. Pure.

export class ArithmeticError extends Error {}

/** Binary operators by precedence, loosest first. */
const LEVELS: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<=', '>=', '<', '>'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

const TOKEN = /\s*(0[xX][0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*|\|\||&&|==|!=|<=|>=|<<|>>|[-+*/%()<>!~&|^])/y;

function tokens(expr: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    if (/^\s*$/.test(expr.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(expr);
    if (!m) throw new ArithmeticError('arithmetic syntax error');
    out.push(m[1]);
  }
  return out;
}

const bool = (b: boolean) => (b ? 1n : 0n);
const wrap = (n: bigint) => BigInt.asIntN(64, n);

function apply(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case '||': return bool(a !== 0n || b !== 0n);
    case '&&': return bool(a !== 0n && b !== 0n);
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case '==': return bool(a === b);
    case '!=': return bool(a !== b);
    case '<': return bool(a < b);
    case '<=': return bool(a <= b);
    case '>': return bool(a > b);
    case '>=': return bool(a >= b);
    case '<<': return wrap(a << (b & 63n));
    case '>>': return a >> (b & 63n);
    case '+': return wrap(a + b);
    case '-': return wrap(a - b);
    case '*': return wrap(a * b);
  }
  if (b === 0n) throw new ArithmeticError('divide by zero');
  return op === '/' ? wrap(a / b) : a % b;
}

/** The value of `expr`; `variable` gives a name's value as the shell holds it. */
export function arithmetic(expr: string, variable: (name: string) => string | undefined): bigint {
  const t = tokens(expr);
  let i = 0;
  const number = (text: string): bigint => {
    const s = text.trim();
    if (s === '') return 0n;
    if (!/^-?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(s)) throw new ArithmeticError('arithmetic syntax error');
    const negative = s.startsWith('-');
    const digits = negative ? s.slice(1) : s;
    const value = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits);
    return wrap(negative ? -value : value);
  };
  const primary = (): bigint => {
    const tok = t[i++];
    if (tok === undefined) throw new ArithmeticError('arithmetic syntax error');
    if (tok === '(') {
      const v = binary(0);
      if (t[i++] !== ')') throw new ArithmeticError('arithmetic syntax error');
      return v;
    }
    if (tok === '-') return wrap(-primary());
    if (tok === '+') return primary();
    if (tok === '!') return bool(primary() === 0n);
    if (tok === '~') return ~primary();
    if (/^[A-Za-z_]/.test(tok)) return number(variable(tok) ?? '');
    if (/^\d/.test(tok)) return number(tok);
    throw new ArithmeticError('arithmetic syntax error');
  };
  const binary = (level: number): bigint => {
    if (level === LEVELS.length) return primary();
    let v = binary(level + 1);
    while (t[i] !== undefined && LEVELS[level].includes(t[i])) {
      const op = t[i++];
      v = apply(op, v, binary(level + 1));
    }
    return v;
  };
  if (!t.length) return 0n;
  const v = binary(0);
  if (i < t.length) throw new ArithmeticError('arithmetic syntax error');
  return v;
}
