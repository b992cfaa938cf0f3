package dev.duet.attestation.source;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.x509.Certificates;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Offline collateral from files and directories: {@code .json} (PCS bodies or QuoteCollateralV3
 * bundles), {@code .der}/{@code .crl} (CRLs, Intel's or AMD's), {@code .pem} (issuer chains). A
 * directory contributes its files in name order; its subdirectories are not entered. Only regular
 * files of at most {@link #MAX_FILE_BYTES} are read (a FIFO or a device would never end, a huge file
 * would exhaust memory); anything else is a {@link FileSystemException} naming the file. This is IO;
 * the verifiers stay pure.
 */
public final class CollateralFiles {
    /** Far above any real collateral: a PCCS bundle with every CRL is under 100 kB. */
    public static final int MAX_FILE_BYTES = 16 << 20;

    private CollateralFiles() {}

    public static Collateral load(List<Path> paths) throws IOException, MalformedEvidenceException {
        Collateral all = Collateral.none();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                List<Path> files = new ArrayList<>();
                try (Stream<Path> listing = Files.list(path)) {
                    listing.filter(entry -> !Files.isDirectory(entry)).sorted().forEach(files::add);
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
        byte[] bytes = read(file);
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

    /** The file's bytes, if it is a regular file within the bound; checked before opening, since opening a FIFO blocks. */
    private static byte[] read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        if (!Files.isRegularFile(file)) {
            throw new FileSystemException(file.toString(), null, "not a regular file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new FileSystemException(file.toString(), null, "larger than " + (MAX_FILE_BYTES >> 20)
                        + " MiB, more than any collateral");
            }
            return bytes;
        }
    }
}
