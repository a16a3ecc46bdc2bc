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

/**
 * What the broker adds to every accepted message: UNIQ_KEY when the client sent none (the
 * 5.x broker does this so every message is findable by id) and CLUSTER.
 */
export function stampProperties(
  props: string,
  clusterName: string,
  nextUniqKey: () => string,
): { properties: string; uniqKey: string } {
  let p = props;
  let uniqKey = getPropertyFromString(p, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
  if (uniqKey === undefined) {
    uniqKey = nextUniqKey();
    p = withProperty(p, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, uniqKey);
  }
  if (getPropertyFromString(p, MessageConst.PROPERTY_CLUSTER) !== clusterName) {
    p = withProperty(p, MessageConst.PROPERTY_CLUSTER, clusterName);
  }
  return { properties: p, uniqKey };
}

/** The DELAY level of a message, 0 when absent or not a number. */
export function delayLevelOf(props: string): number {
  const v = getPropertyFromString(props, MessageConst.PROPERTY_DELAY_TIME_LEVEL);
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}
