package dev.duet.cli;

import dev.duet.attestation.ControllerEvidenceVerifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** What hardware evidence the user accepts for a controller's key: the same two options on every verb that checks it. */
final class HardwareTrust {
    @Option(names = "--trust-simulated-root", paramLabel = "SHA256", description = "Accept evidence from duet's SIMULATED SNP chip "
            + "whose ARK has this SHA-256 fingerprint (hex), as 'serve --attestation simulated-snp' prints it at start-up (demo and "
            + "tests; proves nothing about hardware).")
    String simulatedRoot;

    @Option(names = "--controller-measurement", paramLabel = "HEX", split = ",", description = "Accept a controller whose SEV-SNP MEASUREMENT or "
            + "TDX MRTD (48 bytes, hex) is this; repeatable. A genuine report is not attested without one.")
    List<String> measurements = new ArrayList<>();

    ControllerEvidenceVerifier.Trust trust() throws CliFailure {
        return EvidenceCheck.trust(Optional.ofNullable(simulatedRoot), measurements);
    }
}
