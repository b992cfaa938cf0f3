package dev.duet.protocol;

import dev.duet.attestation.Check;
import dev.duet.log.note.Checkpoint;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a user learns from checking a signed CVM state: every check with its outcome, in the same
 * vocabulary as an attestation verdict ({@link Check}: id, passed, expected, actual, reason), and
 * the facts established when all of them pass. There is no bare boolean: {@link #trusted()} is derived.
 */
public record StateVerdict(List<Check> checks, Optional<Facts> facts) {
    public StateVerdict {
        checks = List.copyOf(checks);
    }

    /** Established facts about the CVM, read from its verified history, and the log checkpoint the state was signed with. */
    public record Facts(
            String cvmId,
            String name,
            String provider,
            CvmMode mode,
            String hostKey,
            long entries,
            long commandsRun,
            OptionalLong inServiceSince,
            long logSize,
            String logHead,
            Checkpoint checkpoint,
            Optional<HostKeyAttestation> hostKeyAttestation,
            CvmHistory.Policy policy,
            long commandsInService) {}

    /** The accepted attestation that bound the host key, as recorded in the history (controller-created CVMs). */
    public record HostKeyAttestation(String evidenceSource, boolean simulated, String trust) {
        public String describe() {
            return simulated ? "host key bound by SIMULATED attestation (" + evidenceSource + ", " + trust
                    + "): proves nothing about hardware" : "host key bound by " + evidenceSource + " attestation (" + trust + ")";
        }
    }

    public boolean trusted() {
        return facts.isPresent() && checks.stream().allMatch(Check::passed);
    }

    public List<Check> failures() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }
}
