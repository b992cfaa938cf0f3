package dev.duet.attestation.source;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.x509.Certificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Offline collateral from files and directories: {@code .json} (PCS bodies or QuoteCollateralV3
 * bundles), {@code .der}/{@code .crl} (CRLs, Intel's or AMD's), {@code .pem} (issuer chains). A
 * directory contributes its regular files, in name order. This is IO; the verifiers stay pure.
 */
public final class CollateralFiles {
    private CollateralFiles() {}

    public static Collateral load(List<Path> paths) throws IOException, MalformedEvidenceException {
        Collateral all = Collateral.none();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                List<Path> files = new ArrayList<>();
                try (Stream<Path> listing = Files.list(path)) {
                    listing.filter(Files::isRegularFile).sorted().forEach(files::add);
                }
                for (Path file : files) {
                    all = all.plus(file(file));
                }
            } else {
                all = all.plus(file(path));
            }
        }
        return all;
    }

    private static Collateral file(Path file) throws IOException, MalformedEvidenceException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        byte[] bytes = Files.readAllBytes(file);
        try {
            if (name.endsWith(".json")) {
                return CollateralParser.parseJson(bytes);
            }
            if (name.endsWith(".der") || name.endsWith(".crl")) {
                return new Collateral(List.of(), List.of(), List.of(CollateralParser.crl(bytes)), List.of());
            }
            if (name.endsWith(".pem")) {
                return new Collateral(List.of(), List.of(), List.of(), Certificates.parsePemChain(bytes, name));
            }
        } catch (MalformedEvidenceException e) {
            throw new MalformedEvidenceException(file + ": " + e.getMessage(), e);
        }
        throw new MalformedEvidenceException(file + ": unknown kind of collateral (expected .json, .der, .crl or .pem)");
    }
}
