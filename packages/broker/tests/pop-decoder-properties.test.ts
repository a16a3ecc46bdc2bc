import { describeDecoderProperties } from '@rocketmq-ts/testkit';
import { decoderProperties } from './pop-decoder-properties.js';

describeDecoderProperties('revive-topic record decoder (fast-check)', decoderProperties);
