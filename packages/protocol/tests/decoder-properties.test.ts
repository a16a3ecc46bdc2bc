import { describeDecoderProperties } from '@rocketmq-ts/testkit';
import { decoderProperties } from './decoder-properties.js';
import { decoderProperties as popControllerProperties } from './pop-controller-properties.js';

// Issue 18/19: the body, handle and header decoders never throw, round-trip valid input and
// reject the rest with an error value.
describeDecoderProperties('protocol decoders (fast-check)', { ...decoderProperties, ...popControllerProperties });
