package dev.duet.attestation.snp;

import static dev.duet.attestation.TestVectors.SNP_TIME;
import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.Check;
import dev.duet.attestation.x509.SignatureCache;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every SNP vector: fields equal MANIFEST.md, and signature, chain and bindings verify. */
class SnpVectorsTest {
    private final SnpVerifier verifier = new SnpVerifier(AmdTrust.amd(), SignatureCache.create());

    static SnpVerification verify(SnpVerifier verifier, String name, String certSuffix) throws Exception {
        SnpReport report = SnpReportParser.parse(bytes("snp/" + name + "_report.bin"));
        EndorsementCertificate cert = EndorsementCertificate.parse(bytes("snp/" + name + "_" + certSuffix + ".der"));
        return verifier.verify(report, cert, SNP_TIME, List.of());
    }

    @ParameterizedTest
    @CsvSource({
        // name, cert, version, product, vmpl, policy, signing key, measurement prefix, reported tcb, bl, tee, snp, ucode, fmc(-1 none)
        "milan_v2_debug_gosevguest, vcek, 2, MILAN, 0, b0000, VCEK, b07af9620f3b839b, 4405000000000002, 2, 0, 5, 68, -1",
        "milan_v2_trustee,          vcek, 2, MILAN, 0, 3001f, VCEK, a1f3930413247bb3, 7308000000000003, 3, 0, 8, 115, -1",
        "milan_v3_vlek_aws_trustee, vlek, 3, MILAN, 1, 30000, VLEK, 8922ebbdd00ec2c5, d918000000000004, 4, 0, 24, 217, -1",
        "milan_v3_oak,              vcek, 3, MILAN, 0, 30000, VCEK, 195b01b74976a1fa, db18000000000004, 4, 0, 24, 219, -1",
        "genoa_v5_oak,              vcek, 5, GENOA, 0, 30000, VCEK, c57729018b0a6fb9, 541900000000000a, 10, 0, 25, 84, -1",
        "turin_v5_oak,              vcek, 5, TURIN, 0, 30000, VCEK, f924dd18f168df60, 4700000002000100, 1, 0, 2, 71, 0",
    })
    void vectorParsesAsInManifestAndVerifies(String name, String cert, int version, SnpProduct product, long vmpl,
            String policy, SigningKey key, String measurementPrefix, String reportedTcb, int bl, int tee, int snp,
            int ucode, int fmc) throws Exception {
        SnpVerification result = verify(verifier, name, cert);
        SnpReport report = result.report();
        assertThat(report.version()).isEqualTo(version);
        assertThat(report.vmpl()).isEqualTo(vmpl);
        assertThat(report.policy().raw()).isEqualTo(Long.parseLong(policy, 16));
        assertThat(report.signingKey()).contains(key);
        assertThat(report.measurement().hex()).startsWith(measurementPrefix);
        assertThat(report.reportedTcb()).isEqualTo(Long.parseUnsignedLong(reportedTcb, 16));
        assertThat(result.product()).contains(product);
        TcbVersion tcb = result.reportedTcb().orElseThrow();
        assertThat(tcb.bootloader()).isEqualTo(bl);
        assertThat(tcb.tee()).isEqualTo(tee);
        assertThat(tcb.snp()).isEqualTo(snp);
        assertThat(tcb.microcode()).isEqualTo(ucode);
        assertThat(tcb.fmc()).isEqualTo(fmc < 0 ? OptionalInt.empty() : OptionalInt.of(fmc));
        assertThat(result.checks()).allSatisfy(check -> assertThat(check.passed()).as(check.describe()).isTrue());
        assertThat(result.verified()).isTrue();
    }

    @Test
    void detailedFieldsOfTheDebugReportMatchTheManifest() throws Exception {
        SnpReport report = verify(verifier, "milan_v2_debug_gosevguest", "vcek").report();
        assertThat(report.policy().debugAllowed()).isTrue();
        assertThat(report.policy().smtAllowed()).isTrue();
        assertThat(report.reportData().hex()).startsWith("0102030405000000");
        assertThat(report.reportId().hex()).isEqualTo("8edc638e1857c555d21f6b11bda3c8b1b5a09dba4852b4c8ee7aa2f16f22cc0a");
        assertThat(report.reportIdMa().hex()).isEqualTo("ff".repeat(32));
        assertThat(report.chipId().hex()).startsWith("3ac3fe21e13fb099");
        assertThat(report.current()).isEqualTo(new SnpReport.FirmwareVersion(1, 49, 3));
        assertThat(report.signatureR().hex()).isEqualTo(
                "21c89c9932a2504bd2a590c9c21a32bbba083b2dd6e5bc7438896bf672ae1353aa5fa6bbb6274fca69f9f8b85a8b8e4f");
        assertThat(report.cpuid()).isEmpty();
    }

    @Test
    void otherFieldsOfTheNewerReportsMatchTheManifest() throws Exception {
        SnpReport trustee = verify(verifier, "milan_v2_trustee", "vcek").report();
        assertThat(trustee.guestSvn()).isEqualTo(4);
        assertThat(trustee.familyId().hex()).isEqualTo("01000000000000000000000000000000");
        assertThat(trustee.imageId().hex()).isEqualTo("02000000000000000000000000000000");
        assertThat(trustee.currentTcb()).isEqualTo(0xce08000000000003L);
        assertThat(trustee.idKeyDigest().hex()).startsWith("0356215882a82527");

        SnpReport vlek = verify(verifier, "milan_v3_vlek_aws_trustee", "vlek").report();
        assertThat(vlek.platformInfo()).isEqualTo(0x27);
        assertThat(vlek.committedTcb()).isEqualTo(0xdb18000000000004L);
        assertThat(vlek.currentTcb()).isEqualTo(0xdc18000000000004L);
        assertThat(vlek.chipId().isZero()).isTrue();
        assertThat(vlek.cpuid()).contains(new SnpReport.Cpuid(25, 1, 1));

        SnpReport genoa = verify(verifier, "genoa_v5_oak", "vcek").report();
        assertThat(genoa.launchMitVector()).isEqualTo(1);
        assertThat(genoa.currentMitVector()).isEqualTo(1);
        assertThat(genoa.current()).isEqualTo(new SnpReport.FirmwareVersion(1, 55, 43));

        SnpReport turin = verify(verifier, "turin_v5_oak", "vcek").report();
        assertThat(turin.chipId().hex()).isEqualTo("3b42092f69c656d3" + "00".repeat(56));
        assertThat(turin.platformInfo()).isEqualTo(0x67);
    }

    @Test
    void theVlekExpiredAtTheEndOf2025() throws Exception {
        SnpReport report = SnpReportParser.parse(bytes("snp/milan_v3_vlek_aws_trustee_report.bin"));
        EndorsementCertificate vlek = EndorsementCertificate.parse(bytes("snp/milan_v3_vlek_aws_trustee_vlek.der"));
        SnpVerification later = verifier.verify(report, vlek, java.time.Instant.parse("2026-01-01T00:00:00Z"),
                List.of());
        assertThat(later.checks()).filteredOn(c -> !c.passed()).extracting(Check::id).containsExactly("snp.chain");
        assertThat(later.checks()).filteredOn(c -> !c.passed()).first().extracting(Check::actual).asString()
                .contains("expired 2025-12-10");
    }
}
