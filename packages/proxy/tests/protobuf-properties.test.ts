import { describeDecoderProperties } from '@rocketmq-ts/testkit';
import { decoderProperties } from './protobuf-properties.js';

describeDecoderProperties('gRPC request decoding (fast-check)', decoderProperties, 500);
