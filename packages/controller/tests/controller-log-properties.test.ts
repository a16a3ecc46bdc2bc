import { describeDecoderProperties } from '@rocketmq-ts/testkit';
import { decoderProperties } from './controller-log-properties.js';

describeDecoderProperties('controller event log reader (fast-check)', decoderProperties);
