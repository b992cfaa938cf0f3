package dev.duet.provisioner.attest;

import java.io.IOException;

/** The few file operations the configfs-tsm report protocol needs, on whatever holds the tree. */
public interface TsmFs {
    /** Whether the report directory ({@code /sys/kernel/config/tsm/report}) exists. */
    boolean hasInterface() throws IOException;

    /** Creates a report entry; configfs answers ENXIO here when no TSM provider (SEV-SNP/TDX) is loaded. */
    void mkdir(String entry) throws IOException;

    void write(String entry, String attribute, byte[] value) throws IOException;

    /**
     * Has the guest itself write SHA-512(its own SSH host key blob ‖ nonce) as the entry's inblob
     * (see {@link HostKeyBinding}), and returns those 64 bytes. Computed inside the guest, so a
     * relay in the middle cannot make the report bind its own key instead.
     */
    byte[] writeHostKeyBinding(String entry, byte[] nonce) throws IOException;

    byte[] read(String entry, String attribute) throws IOException;

    boolean exists(String entry, String attribute) throws IOException;

    void rmdir(String entry) throws IOException;
}
