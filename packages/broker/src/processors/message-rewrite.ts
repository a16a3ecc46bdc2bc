import {
  getPropertyFromString,
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  setPropertyInString,
} from '@rocketmq-ts/protocol';

// String-level edits of an encoded properties string on the send path: appending a pair is
// a concatenation, so a plain send never builds a Map of its properties (STYLE rule 13).

/** Appends `name=value`, replacing an earlier value if the name is already present. */
export function withProperty(props: string, name: string, value: string): string {
  if (getPropertyFromString(props, name) !== undefined) return setPropertyInString(props, name, value);
  const sep = props.length === 0 || props.endsWith(PROPERTY_SEPARATOR) ? '' : PROPERTY_SEPARATOR;
  return props + sep + name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
}

/** The properties the send path acts on, read in one pass over the encoded string. */
interface SendProperties {
  uniqKey: string | undefined;
  cluster: string | undefined;
  transactionPrepared: string | undefined;
  delay: string | undefined;
}

const UNIQ = MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX;
const CLUSTER = MessageConst.PROPERTY_CLUSTER;
const TRAN = MessageConst.PROPERTY_TRANSACTION_PREPARED;
const DELAY = MessageConst.PROPERTY_DELAY_TIME_LEVEL;

/**
 * One walk over `name \u0001 value \u0002` pairs picking the four names the send path
 * needs (getPropertyFromString would scan the string once per name). Same rules as
 * getPropertyFromString: the first pair with a name wins, an empty value is absent.
 */
export function scanSendProperties(props: string): SendProperties {
  const out: SendProperties = {
    uniqKey: undefined,
    cluster: undefined,
    transactionPrepared: undefined,
    delay: undefined,
  };
  const n = props.length;
  let start = 0;
  while (start < n) {
    let end = props.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = n;
    const sep = props.indexOf(NAME_VALUE_SEPARATOR, start);
    if (sep >= 0 && sep < end) {
      const len = sep - start;
      if (len === 8 && out.uniqKey === undefined && props.startsWith(UNIQ, start)) {
        out.uniqKey = props.slice(sep + 1, end);
      } else if (len === 7 && out.cluster === undefined && props.startsWith(CLUSTER, start)) {
        out.cluster = props.slice(sep + 1, end);
      } else if (len === 8 && out.transactionPrepared === undefined && props.startsWith(TRAN, start)) {
        out.transactionPrepared = props.slice(sep + 1, end);
      } else if (len === 5 && out.delay === undefined && props.startsWith(DELAY, start)) {
        out.delay = props.slice(sep + 1, end);
      }
    }
    start = end + 1;
  }
  // A first pair with an empty value hides later ones, as in getPropertyFromString.
  if (out.uniqKey === '') out.uniqKey = undefined;
  if (out.cluster === '') out.cluster = undefined;
  if (out.transactionPrepared === '') out.transactionPrepared = undefined;
  if (out.delay === '') out.delay = undefined;
  return out;
}

/**
 * What the broker adds to every accepted message: UNIQ_KEY when the client sent none (the
 * 5.x broker does this so every message is findable by id) and CLUSTER. `scanned` is
 * scanSendProperties(props) when the caller already has it.
 */
export function stampProperties(
  props: string,
  clusterName: string,
  nextUniqKey: () => string,
  scanned: SendProperties = scanSendProperties(props),
): { properties: string; uniqKey: string } {
  let p = props;
  let uniqKey = scanned.uniqKey;
  if (uniqKey === undefined) {
    uniqKey = nextUniqKey();
    p = appendProperty(p, UNIQ, uniqKey);
  }
  if (scanned.cluster !== clusterName) {
    p = scanned.cluster === undefined ? appendProperty(p, CLUSTER, clusterName) : withProperty(p, CLUSTER, clusterName);
  }
  return { properties: p, uniqKey };
}

/** Appends a pair known to be absent. */
function appendProperty(props: string, name: string, value: string): string {
  const sep = props.length === 0 || props.endsWith(PROPERTY_SEPARATOR) ? '' : PROPERTY_SEPARATOR;
  return props + sep + name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
}

/** The DELAY level of a message, 0 when absent or not a number. */
export function delayLevelOf(props: string, scanned?: SendProperties): number {
  const v = scanned ? scanned.delay : getPropertyFromString(props, DELAY);
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

/** Java's remark for WHEEL_TIMER_NOT_ENABLE (answered with SYSTEM_ERROR). */
export const TIMER_NOT_ENABLED = 'accurate timer message is not enabled, timerWheelEnable is false';

const TIMER_NAMES = [
  MessageConst.PROPERTY_TIMER_DELIVER_MS,
  MessageConst.PROPERTY_TIMER_DELAY_SEC,
  MessageConst.PROPERTY_TIMER_DELAY_MS,
];

/**
 * Whether a send asks for the timer wheel (HookUtils.checkIfTimerMessage): one of the three
 * TIMER_ properties and no TIMER_OUT_MS (a message the wheel itself re-puts). A delay level
 * wins over them; the caller checks the level first. One indexOf for the common send.
 */
export function requestsTimer(props: string): boolean {
  if (props.indexOf('TIMER_') < 0) return false;
  if (getPropertyFromString(props, MessageConst.PROPERTY_TIMER_OUT_MS) !== undefined) return false;
  for (const name of TIMER_NAMES) if (getPropertyFromString(props, name) !== undefined) return true;
  return false;
}
