package dev.duet.attestation.intel;

import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;

/**
 * A parsed DCAP quote: SGX v3, or TDX v4/v5. {@code signedBytes} is exactly what the attestation
 * key signed (header and body, for v5 with the body descriptor); {@code paddingBytes} counts the zero
 * bytes that followed the signature data (real quotes come in zero-padded buffers).
 */
public record Quote(QuoteHeader header, int bodyType, QuoteBody body, Octets signedBytes, QuoteSignature signature,
        int paddingBytes) {

    public TeeKind tee() {
        return body instanceof TdReport ? TeeKind.TDX : TeeKind.SGX;
    }
}
