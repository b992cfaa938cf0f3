package dev.duet.controller;

import dev.duet.controller.sealing.FileSealer;
import dev.duet.controller.sealing.UnsealException;
import dev.duet.provisioner.ssh.HostKeyPin;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshConnector;
import dev.duet.provisioner.ssh.SshEndpoint;
import dev.duet.provisioner.ssh.SshFailure;
import dev.duet.provisioner.ssh.SshKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Someone holding a copy of the controller's data directory, the development sealing key included:
 * looks for a CVM's sealed SSH key, its unsealed forms, and anything anywhere that unseals under the
 * CVM's context, and tries to log in with whatever it recovers.
 */
final class DiskAttacker {
    private DiskAttacker() {}

    /** What the attacker looks for: the sealed blob as stored, the PKCS#8 key inside it, and its 32-byte seed. */
    record Secret(String cvmId, byte[] sealed, byte[] pkcs8, byte[] seed, byte[] publicKey) {
        String context() {
            return "duet cvm ssh key " + cvmId;
        }
    }

    /** Reads the CVM's sealed key from the database (as anyone who can read the file can) and unseals it with sealing.key. */
    static Secret secretOf(Path data, String cvmId) throws Exception {
        byte[] sealed;
        byte[] publicKey;
        try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("duet.db"));
                PreparedStatement query = conn.prepareStatement("SELECT ssh_private_sealed, ssh_public_key FROM cvms WHERE id = ?")) {
            query.setString(1, cvmId);
            try (ResultSet rs = query.executeQuery()) {
                if (!rs.next() || rs.getBytes(1) == null) {
                    throw new IllegalStateException("no sealed key stored for " + cvmId);
                }
                sealed = rs.getBytes(1);
                publicKey = rs.getBytes(2);
            }
        }
        byte[] pkcs8 = FileSealer.openOrCreate(data.resolve("sealing.key")).unseal(sealed, "duet cvm ssh key " + cvmId);
        byte[] seed = org.bouncycastle.asn1.ASN1OctetString.getInstance(
                org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pkcs8).parsePrivateKey()).getOctets();
        return new Secret(cvmId, sealed, pkcs8, seed, publicKey);
    }

    /** Every regular file of the directory, read now: what a process kill at this moment would leave behind. */
    static Map<String, byte[]> copyOf(Path data) throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Stream<Path> all = Files.walk(data)) {
            for (Path file : all.filter(Files::isRegularFile).sorted().toList()) {
                files.put(data.relativize(file).toString(), Files.readAllBytes(file));
            }
        }
        return files;
    }

    /** Where the machine can be reached, to try a recovered key on it. */
    record Target(SshEndpoint endpoint, HostKeyPin pin) {}

    /**
     * Everything the attacker finds: the sealed blob or recognisable parts of it, the raw key, and every
     * offset of every file whose bytes unseal under the CVM's context with the data directory's own
     * sealing key (each then tried against the machine, if one is given). Empty means nothing was found.
     */
    static List<String> findings(Map<String, byte[]> files, Path sealingKey, Secret secret, Optional<Target> target) throws Exception {
        FileSealer sealer = FileSealer.openOrCreate(sealingKey);
        byte[] sealed = secret.sealed();
        Map<String, byte[]> needles = new LinkedHashMap<>();
        needles.put("sealed key", sealed);
        needles.put("sealed key's ciphertext and tag", Arrays.copyOfRange(sealed, 13, sealed.length));
        needles.put("first 24 bytes of the sealed key", Arrays.copyOf(sealed, 24));
        needles.put("last 24 bytes of the sealed key", Arrays.copyOfRange(sealed, sealed.length - 24, sealed.length));
        needles.put("PKCS#8 private key", secret.pkcs8());
        needles.put("private key seed", secret.seed());
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            byte[] bytes = file.getValue();
            for (Map.Entry<String, byte[]> needle : needles.entrySet()) {
                for (int at = indexOf(bytes, needle.getValue(), 0); at >= 0; at = indexOf(bytes, needle.getValue(), at + 1)) {
                    found.add(file.getKey() + " holds the " + needle.getKey() + " at offset " + at);
                }
            }
            for (int at = 0; at + sealed.length <= bytes.length; at++) {
                if (bytes[at] != sealed[0]) {
                    continue;
                }
                byte[] pkcs8;
                try {
                    pkcs8 = sealer.unseal(Arrays.copyOfRange(bytes, at, at + sealed.length), secret.context());
                } catch (UnsealException notThere) {
                    continue;
                }
                found.add(file.getKey() + " at offset " + at + " UNSEALS to the CVM's private key" + login(pkcs8, secret, target));
            }
        }
        return found;
    }

    private static String login(byte[] pkcs8, Secret secret, Optional<Target> target) throws Exception {
        if (target.isEmpty()) {
            return "";
        }
        KeyPair key = SshKeys.ed25519FromEncoded(pkcs8, secret.publicKey());
        try (SshConnector connector = new SshConnector(java.time.Duration.ofSeconds(10));
                SshConnection session = connector.connect(target.get().endpoint(), target.get().pin(), key)) {
            return session.isOpen() ? ", which LOGS IN to " + target.get().endpoint() : ", whose session did not open";
        } catch (SshFailure refused) {
            return ", which the machine refuses (" + refused.getMessage() + ")";
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
