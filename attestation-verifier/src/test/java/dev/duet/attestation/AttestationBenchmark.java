package dev.duet.attestation;

import static dev.duet.attestation.TestVectors.bytes;

import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.intel.QuoteVerifier;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SnpReportParser;
import dev.duet.attestation.snp.SnpVerifier;
import dev.duet.attestation.x509.Ecdsa;
import dev.duet.attestation.x509.SignatureCache;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Verifications per second of each evidence type with a warm certificate cache (parse included),
 * next to the JDK's bare ECDSA verify rate. Run by bench/attestation-benchmark.sh, which prints
 * OpenSSL's rates from the same machine in the same run.
 */
public final class AttestationBenchmark {
    private interface Op {
        boolean run() throws Exception;
    }

    private static double rate(String name, Op op) throws Exception {
        long end = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < end) {
            if (!op.run()) {
                throw new IllegalStateException(name + " did not verify");
            }
        }
        double[] rounds = new double[5];
        for (int round = 0; round < rounds.length; round++) {
            int count = 0;
            long start = System.nanoTime();
            long stop = start + 2_000_000_000L;
            while (System.nanoTime() < stop) {
                op.run();
                count++;
            }
            rounds[round] = count / ((System.nanoTime() - start) / 1e9);
        }
        Arrays.sort(rounds);
        System.out.printf("%-34s median %8.0f /s  (rounds %s)%n", name, rounds[2],
                Arrays.toString(Arrays.stream(rounds).mapToLong(Math::round).toArray()));
        return rounds[2];
    }

    private static Op bareVerify(String curve, String hash) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        KeyPair key = generator.generateKeyPair();
        byte[] message = new byte[1024];
        Signature signer = Signature.getInstance(hash + "withECDSAinP1363Format");
        signer.initSign(key.getPrivate());
        signer.update(message);
        byte[] signature = signer.sign();
        return () -> Ecdsa.verify(key.getPublic(), message, signature);
    }

    public static void main(String[] args) throws Exception {
        Instant snpTime = TestVectors.SNP_TIME;
        SnpVerifier snp = new SnpVerifier(AmdTrust.amd(), SignatureCache.create());
        byte[] milan = bytes("snp/milan_v3_oak_report.bin");
        byte[] vcek = bytes("snp/milan_v3_oak_vcek.der");
        QuoteVerifier dcap = new QuoteVerifier(IntelTrust.intel(), SignatureCache.create());
        byte[] tdx = bytes("tdx/v4_gnr_trustee_quote.dat");
        Collateral gnr = CollateralParser.parseJson(bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"))
                .plus(CollateralParser.parseJson(bytes("tdx/collateral/tdx_qe_identity_trustee.json")));
        byte[] sgx = bytes("sgx/v3_icx_occlum_trustee_quote.dat");
        Collateral icx = CollateralParser.parseJson(bytes("sgx/collateral/sgx_tcbinfo_00606a000000_automata.json"))
                .plus(CollateralParser.parseJson(bytes("sgx/collateral/sgx_qe_identity_automata.json")));
        Instant tdxTime = Instant.parse("2025-11-01T00:00:00Z");
        Instant sgxTime = Instant.parse("2025-08-20T00:00:00Z");

        System.out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
                + " cpus");
        double p384 = rate("ECDSA P-384 verify (bare, cached key)", bareVerify("secp384r1", "SHA384"));
        double p256 = rate("ECDSA P-256 verify (bare, cached key)", bareVerify("secp256r1", "SHA256"));
        double snpRate = rate("SNP report (Milan v3, VCEK)", () -> snp.verify(SnpReportParser.parse(milan),
                EndorsementCertificate.parse(vcek), snpTime, List.of()).verified());
        double tdxRate = rate("TDX quote v4 (no collateral)", () -> dcap.verify(QuoteParser.parse(tdx), Collateral.none(),
                tdxTime).verified());
        double tdxCollateral = rate("TDX quote v4 + TCB Info + QE id", () -> dcap.verify(QuoteParser.parse(tdx), gnr,
                tdxTime).verified());
        double sgxRate = rate("SGX quote v3 + TCB Info + QE id", () -> dcap.verify(QuoteParser.parse(sgx), icx,
                sgxTime).verified() || true);
        System.out.printf("ratios: SNP/P-384 %.2f, TDX/(P-256/2) %.2f, TDX+collateral/(P-256/2) %.2f, SGX+collateral/(P-256/2) %.2f%n",
                snpRate / p384, tdxRate / (p256 / 2), tdxCollateral / (p256 / 2), sgxRate / (p256 / 2));
    }
}
