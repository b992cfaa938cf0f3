package dev.duet.controller;

import dev.duet.protocol.CvmMode;
import java.util.Optional;

/** What the controller tells anyone about a CVM. Holds no secret. */
public record CvmView(
        String id,
        String name,
        String provider,
        CvmMode mode,
        String address,
        String hostKeyPin,
        Optional<String> hostKey,
        String controllerSshKey,
        Optional<String> reason) {}
