package dev.duet.protocol.bundle;

import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.Verdict;
import dev.duet.log.note.Checkpoint;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.entry.Payload;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a bundle that verified establishes about one CVM and the controller that manages it. This is
 * the line between two jobs: the bundle verifier checks integrity (signatures, proofs, a complete
 * history, key and host-key bindings) and produces these facts; a deployment policy decides whether
 * the facts are acceptable (kinds, measurements, TCB, mode, age, commands, update windows) and never
 * looks at bytes.
 *
 * @param issuedAt when the controller signed the bundle
 * @param nonce the nonce the bundle answers, when one was asked for and it matched
 * @param controller the controller's key and the hardware verdict on it
 * @param cvm the CVM, its mode and its attestations
 * @param owners the owner keys registered in log entry 0 (proved into the signed checkpoint)
 * @param history the CVM's mode changes and commands, in log order, from {@code since} on
 * @param checkpoint the signed checkpoint everything was proved against
 * @param since the log size the history starts after (a checkpoint the user already trusted), or
 *     empty when the history is complete from the CVM's first entry
 */
public record DeploymentFacts(
        Instant issuedAt,
        Optional<String> nonce,
        Controller controller,
        Cvm cvm,
        List<Payload.OwnerKey> owners,
        List<Event> history,
        Checkpoint checkpoint,
        OptionalLong since) {
    public DeploymentFacts {
        Objects.requireNonNull(issuedAt, "issuedAt");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(controller, "controller");
        Objects.requireNonNull(cvm, "cvm");
        owners = List.copyOf(owners);
        history = List.copyOf(history);
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(since, "since");
    }

    /**
     * The controller: its signing key, the TEE its evidence names, whether that evidence came from
     * duet's simulated chip, and the verdict on it under the user's trust (vendor roots, pinned
     * measurements, the simulated root only when named).
     */
    public record Controller(String keyId, TeeKind tee, boolean simulated, ControllerEvidenceVerdict attestation) {
        public Controller {
            Objects.requireNonNull(keyId, "keyId");
            Objects.requireNonNull(tee, "tee");
            Objects.requireNonNull(attestation, "attestation");
        }
    }

    /**
     * The CVM as its verified history leaves it.
     *
     * @param modeSince the entry that put the CVM in its current mode, and when
     * @param launch the CVM's launch evidence from its history (controller-created CVMs), appraised
     *     with the user's CVM policy; empty for an adopted CVM, which has none
     * @param fresh a report made for this bundle's nonce, binding the host key, the nonce and the log
     *     head the verified history ends at, appraised like {@code launch}; empty when no nonce was asked
     *     for, and for a CVM with none to give (adopted, or not running)
     */
    public record Cvm(
            String id,
            String name,
            String provider,
            CvmMode mode,
            Optional<Moment> modeSince,
            String hostKey,
            boolean simulated,
            Optional<Verdict> launch,
            Optional<Verdict> fresh,
            dev.duet.protocol.CvmHistory.Policy policy,
            long commandsInService) {
        public Cvm {
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(modeSince, "modeSince");
            Objects.requireNonNull(hostKey, "hostKey");
            Objects.requireNonNull(launch, "launch");
            Objects.requireNonNull(fresh, "fresh");
        }
    }

    /** A log position and its entry's time. */
    public record Moment(long seq, Instant at) {
        public Moment {
            Objects.requireNonNull(at, "at");
        }
    }

    /** What happened to the CVM that a policy judges: its mode changes and the commands run on it. */
    public sealed interface Event {
        Moment when();

        record ModeChanged(Moment when, CvmMode from, CvmMode to) implements Event {
            public ModeChanged {
                Objects.requireNonNull(when, "when");
                Objects.requireNonNull(from, "from");
                Objects.requireNonNull(to, "to");
            }
        }

        record Command(Moment when, List<String> argv) implements Event {
            public Command {
                Objects.requireNonNull(when, "when");
                argv = List.copyOf(argv);
            }
        }
    }
}
