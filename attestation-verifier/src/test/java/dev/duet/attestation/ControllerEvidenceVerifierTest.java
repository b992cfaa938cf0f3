package dev.duet.attestation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ControllerEvidenceVerifierTest {
    @Test
    void noTeeIsNeverAttested() {
        assertThat(ControllerEvidenceVerifier.verify(TeeKind.NONE)).isInstanceOf(ControllerEvidenceVerdict.NotAttested.class)
                .extracting(ControllerEvidenceVerdict::reason).asString().contains("without a TEE");
    }

    @Test
    void teeKindsWithoutQuoteVerificationFailClosed() {
        for (TeeKind kind : new TeeKind[] {TeeKind.SGX, TeeKind.TDX, TeeKind.SEV_SNP}) {
            assertThat(ControllerEvidenceVerifier.verify(kind)).isInstanceOf(ControllerEvidenceVerdict.NotAttested.class);
        }
        assertThat(TeeKind.parse("sev-snp")).contains(TeeKind.SEV_SNP);
        assertThat(TeeKind.parse("SEV-SNP")).isEmpty();
    }
}
