import { err, ok, type Result } from '@rocketmq-ts/common';
import { EVALUATION_ERROR } from './java-values.js';
import { type FilterError, tokenize } from './lexer.js';
import { type PropertySource, SelectorError } from './nodes.js';
import { Parser } from './parser.js';

// Compiling an SQL92 selector once and evaluating it per message. Untrusted input (the pull
// header, a heartbeat) is bounded before any work: its length, then how deep it nests.

export interface Sql92Limits {
  /** Longest expression accepted, in UTF-16 code units. */
  maxLength: number;
  /** Deepest nesting of parentheses and unary operators, and longest evaluator chain. */
  maxDepth: number;
}

export const DEFAULT_SQL92_LIMITS: Readonly<Sql92Limits> = { maxLength: 64 * 1024, maxDepth: 64 };

/** Java's MQFilterException message, with the reason after it. */
const PREFIX = 'Invalid MessageSelector. ';

export interface Sql92Filter {
  readonly expression: string;
  /** True only when the expression evaluates to TRUE; unknown (null) and evaluation errors are false. */
  matches(src: PropertySource): boolean;
  /** The three-valued result (TRUE, FALSE or null = unknown); evaluation errors are 'error'. */
  evaluate(src: PropertySource): boolean | null | 'error';
}

/** Parses and checks an SQL92 selector as RocketMQ's SelectorParser does. Never throws. */
export function compileSql92(
  expression: string,
  limits: Readonly<Sql92Limits> = DEFAULT_SQL92_LIMITS,
): Result<Sql92Filter, FilterError> {
  if (typeof expression !== 'string') return err({ message: `${PREFIX}the expression is not a string` });
  if (expression.length > limits.maxLength) {
    return err({
      message: `${PREFIX}the expression is ${expression.length} characters long, more than the ${limits.maxLength} allowed`,
    });
  }
  if (expression.trim() === '') return err({ message: `${PREFIX}the expression is empty` });
  const tokens = tokenize(expression);
  if (!tokens.ok) return err({ message: PREFIX + tokens.error.message, position: tokens.error.position });
  let root: ReturnType<Parser['parse']>;
  try {
    root = new Parser(expression, tokens.value, limits.maxDepth).parse();
  } catch (e) {
    if (e instanceof SelectorError) return err({ message: PREFIX + e.message, position: e.position });
    // A RangeError from a runaway recursion would be a bug in the bounds: report, do not crash.
    return err({ message: `${PREFIX}${e instanceof Error ? e.message : String(e)}` });
  }
  const ev = root.ev;
  return ok({
    expression,
    matches(src: PropertySource): boolean {
      try {
        return ev(src) === true;
      } catch {
        return false;
      }
    },
    evaluate(src: PropertySource): boolean | null | 'error' {
      try {
        const v = ev(src);
        return v === true || v === false ? v : null;
      } catch (e) {
        if (e === EVALUATION_ERROR) return 'error';
        return 'error';
      }
    },
  });
}
