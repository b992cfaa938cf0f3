package dev.duet.controller;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An owner's request for a new CVM, as the body names it: the provider (as sent; the controller
 * chooses the {@link ProviderKind} from it), the CVM's name, and for the {@code ssh} provider the
 * machine to adopt, for the {@code azure} provider its TEE and size. Which members a provider needs is the provider's rule, not the body reader's.
 */
public record CreateRequest(String provider, String name, Optional<Ssh> ssh, Optional<Azure> azure) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** A request without an {@code azure} object. */
    public CreateRequest(String provider, String name, Optional<Ssh> ssh) {
        this(provider, name, ssh, Optional.empty());
    }

    /** For the {@code azure} provider: the TEE ({@code snp} or {@code tdx}; SNP if absent) and a VM size other than the TEE's default. */
    public record Azure(Optional<String> tee, Optional<String> vmSize) {}

    /**
     * The machine to adopt and the bootstrap key to adopt it with, which is used once and never
     * stored or logged; {@code toString} leaves it out.
     */
    public record Ssh(String host, Optional<Integer> port, String user, String hostKey, String bootstrapPrivateKey,
            Optional<String> authorizedKeysPath) {
        @Override
        public String toString() {
            return "Ssh[" + user + "@" + host + ":" + port.map(String::valueOf).orElse("22") + "]";
        }
    }

    /** The name, if it is one a CVM may have. */
    String checkedName() throws ControllerException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ControllerException.invalid("name must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (CvmRef.looksLikeId(name)) {
            throw ControllerException.invalid("name must not have the form of a CVM id (cvm- and 16 hex digits): routes take a name in "
                    + "place of an id");
        }
        return name;
    }
}
