package dev.duet.attestation.collateral;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything offline that a quote is appraised against: TCB Infos, QE identities, CRLs, and
 * certificates that may have signed them. Only content is trusted, never where it came from: each
 * piece is checked against the pinned Intel root before use.
 */
public record Collateral(List<TcbInfo> tcbInfos, List<EnclaveIdentity> identities, List<X509CRL> crls,
        List<X509Certificate> certificates) {
    public Collateral {
        tcbInfos = List.copyOf(tcbInfos);
        identities = List.copyOf(identities);
        crls = List.copyOf(crls);
        certificates = List.copyOf(certificates);
    }

    public static Collateral none() {
        return new Collateral(List.of(), List.of(), List.of(), List.of());
    }

    public boolean isEmpty() {
        return tcbInfos.isEmpty() && identities.isEmpty() && crls.isEmpty();
    }

    public Collateral plus(Collateral other) {
        return new Collateral(concat(tcbInfos, other.tcbInfos), concat(identities, other.identities),
                concat(crls, other.crls), concat(certificates, other.certificates));
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
