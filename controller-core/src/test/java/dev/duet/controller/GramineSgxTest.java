package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.ControllerKeyBinding;
import dev.duet.attestation.TestVectors;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.EvidenceVerifier;
import dev.duet.protocol.Ed25519KeyPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --attestation gramine-sgx} against a directory laid out like Gramine's
 * /dev/attestation (no SGX here): the controller writes its REPORT_DATA to user_report_data and
 * serves what quote holds. Holding a genuine Intel-signed SGX quote made for other data, the
 * evidence goes through the DCAP path and fails the key binding, with that reason.
 */
class GramineSgxTest {
    @TempDir Path dir;

    private Path gramine(String type) throws IOException {
        Path root = Files.createDirectories(dir.resolve("dev-attestation"));
        Files.writeString(root.resolve("attestation_type"), type + "\n");
        Files.write(root.resolve("user_report_data"), new byte[64]);
        Files.write(root.resolve("quote"), TestVectors.bytes("sgx/v3_icx_occlum_trustee_quote.dat"));
        return root;
    }

    @Test
    void theControllerWritesItsKeyBindingAndServesTheQuoteWhichFailsTheBindingForOtherData() throws Exception {
        Path root = gramine("dcap");
        SelfAttestation sgx = SelfAttestation.gramineSgx(root);
        assertThat(sgx.name()).isEqualTo("gramine-sgx");
        assertThat(sgx.simulated()).isFalse();
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        try (Controller c = Controller.open(ControllerConfig.defaults(dir.resolve("data"), List.of(owner.publicKey())),
                d -> FileSealer.openOrCreate(d.sealingKey()), Optional.empty(), sgx)) {
            ObjectNode evidence = c.evidence(Optional.of("n-sgx"));
            byte[] key = Base64.getDecoder().decode(c.signingKey().base64());
            assertThat(Files.readAllBytes(root.resolve("user_report_data"))).as("the file interface: the binding of the signing key, the TLS key and the nonce")
                    .isEqualTo(ControllerKeyBinding.reportData(key, c.tls().spki().toByteArray(), "n-sgx").toByteArray());
            assertThat(evidence.at("/payload/tee").asText()).isEqualTo("sgx");
            assertThat(evidence.at("/payload/attestation/provider").asText()).isEqualTo("gramine-sgx");
            assertThat(Base64.getDecoder().decode(evidence.at("/payload/attestation/report").asText()))
                    .isEqualTo(TestVectors.bytes("sgx/v3_icx_occlum_trustee_quote.dat"));

            ControllerEvidenceVerdict verdict = EvidenceVerifier.verify(evidence, Optional.of("n-sgx"),
                    ControllerEvidenceVerifier.Trust.vendorRoots(), TestVectors.SNP_TIME).facts().orElseThrow().attestation();
            assertThat(verdict).isInstanceOf(ControllerEvidenceVerdict.NotAttested.class);
            Check binding = verdict.checks().stream().filter(check -> check.id().equals("policy.report-data")).findFirst().orElseThrow();
            assertThat(binding.passed()).isFalse();
            assertThat(binding.expected()).contains(ControllerKeyBinding.reportData(key, c.tls().spki().toByteArray(), "n-sgx").hex());
            assertThat(verdict.checks()).filteredOn(check -> check.id().equals("dcap.pck-chain")).singleElement()
                    .satisfies(check -> assertThat(check.passed()).as("a genuine quote, under Intel's pinned root").isTrue());
        }
    }

    @Test
    void withoutGramineOrWithoutDcapTheControllerRefusesToStart() throws Exception {
        assertThatThrownBy(() -> SelfAttestation.gramineSgx(dir.resolve("absent"))).isInstanceOf(IOException.class)
                .hasMessageContaining("does not run in a Gramine SGX enclave");
        Path epid = gramine("epid");
        assertThatThrownBy(() -> SelfAttestation.gramineSgx(epid)).isInstanceOf(IOException.class)
                .hasMessageContaining("sgx.remote_attestation = \"dcap\"");
    }
}
