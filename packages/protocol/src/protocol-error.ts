/** Why a frame or header could not be decoded. A value, never thrown by the decoders. */
export interface ProtocolError {
  kind:
    | 'frame-too-large'
    | 'frame-too-short'
    | 'header-length'
    | 'serialize-type'
    | 'header-json'
    | 'header-field'
    | 'header-binary';
  message: string;
}

export const protocolError = (kind: ProtocolError['kind'], message: string): ProtocolError => ({ kind, message });
