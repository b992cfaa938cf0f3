package dev.duet.provisioner.attest;

import java.io.IOException;

/** configfs-tsm inside a guest, which can also bind its own SSH host key. */
public interface GuestTsmFs extends TsmFs {
    /**
     * Has the guest itself write SHA-512(its own SSH host key blob ‖ nonce) as the entry's inblob
     * (see {@link HostKeyBinding}), and returns those 64 bytes. Computed inside the guest, so a
     * relay in the middle cannot make the report bind its own key instead.
     */
    byte[] writeHostKeyBinding(String entry, byte[] nonce) throws IOException;
}
