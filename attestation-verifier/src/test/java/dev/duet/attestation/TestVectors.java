package dev.duet.attestation;

import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/** The vendor evidence copied from shared/testvectors (provenance and licences in its MANIFEST.md). */
public final class TestVectors {
    /** A time at which every certificate of the SNP vectors is valid (the AWS VLEK expires 2025-12-10). */
    public static final Instant SNP_TIME = Instant.parse("2025-09-01T00:00:00Z");

    private TestVectors() {}

    public static byte[] bytes(String path) {
        try (InputStream in = TestVectors.class.getResourceAsStream("/testvectors/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test vector " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The collateral in the space-separated vector files (JSON documents, and CRLs as .der). */
    public static Collateral collateral(String files) throws MalformedEvidenceException {
        Collateral all = Collateral.none();
        for (String file : files.isBlank() ? new String[0] : files.split(" ")) {
            all = all.plus(file.endsWith(".der")
                    ? new Collateral(List.of(), List.of(), List.of(CollateralParser.crl(bytes(file))), List.of())
                    : CollateralParser.parseJson(bytes(file)));
        }
        return all;
    }
}
