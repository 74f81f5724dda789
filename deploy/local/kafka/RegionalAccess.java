// Applies a plan of Kafka admin operations with Kafka's own Admin client, in one JVM.
// Written for paritrana/regional_access.py, which decides the plan (the policy lives there) and
// runs: java -cp '<kafka lib>/*:<classes>' RegionalAccess BOOTSTRAP [CLIENT-PROPERTIES-FILE] < plan
//
// The plan is one operation per line, fields separated by tabs (a password never goes on argv):
//   topic         NAME PARTITIONS                       create the topic unless it exists
//   scram-upsert  USER MECHANISM ITERATIONS PASSWORD    set the user's SCRAM credential
//   scram-delete  USER MECHANISM                        delete it (absent: nothing to do)
//   acl-add       PRINCIPAL RESOURCE-TYPE PATTERN-TYPE NAME OPERATION    an ALLOW rule from any host
//   acl-want      PRINCIPAL RESOURCE-TYPE PATTERN-TYPE NAME OPERATION    note an ALLOW rule for acl-sync
//   acl-sync      PRINCIPAL                             make the principal's ACLs exactly the noted ones:
//                                                       add the missing first, then delete the others
//   acl-delete-principal PRINCIPAL                      delete every ACL of the principal
//   acl-list      PRINCIPAL                             print "acl<TAB>TYPE<TAB>PATTERN<TAB>NAME<TAB>OP<TAB>PERMISSION"
//   scram-list    USER                                  print "scram<TAB>MECHANISM<TAB>ITERATIONS" per credential
// It prints "ok<TAB>LINE-NUMBER<TAB>what" per operation done and exits 1 on the first failure.

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

public final class RegionalAccess {
    private static final List<AclBinding> WANTED = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: RegionalAccess BOOTSTRAP [CLIENT-PROPERTIES-FILE] < plan");
            System.exit(2);
        }
        Properties props = new Properties();
        if (args.length == 2) {
            try (InputStream in = new FileInputStream(args[1])) {
                props.load(in);
            }
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "paritrana-regional-access");
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        List<String> lines = new ArrayList<>();
        try (BufferedReader plan = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = plan.readLine()) != null; ) {
                lines.add(line);
            }
        }
        try (Admin admin = Admin.create(props)) {
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n);
                if (line.isBlank()) continue;
                try {
                    String done = apply(admin, line.split("\t", -1));
                    System.out.println("ok\t" + (n + 1) + "\t" + done);
                } catch (ExecutionException e) {
                    fail(n + 1, line, e.getCause());
                } catch (RuntimeException e) {
                    fail(n + 1, line, e);
                }
            }
        }
    }

    private static void fail(int n, String line, Throwable cause) {
        String op = line.split("\t", -1)[0];
        System.out.println("error\t" + n + "\t" + op + "\t" + cause.getClass().getSimpleName() + ": " + cause.getMessage());
        System.out.flush();
        System.exit(1);
    }

    private static String apply(Admin admin, String[] f) throws ExecutionException, InterruptedException {
        switch (f[0]) {
            case "topic": {
                need(f, 3);
                try {
                    admin.createTopics(List.of(new NewTopic(f[1], Integer.parseInt(f[2]), (short) 1))).all().get();
                    return "created topic " + f[1];
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) return "topic " + f[1] + " exists";
                    throw e;
                }
            }
            case "scram-upsert": {
                need(f, 5);
                ScramCredentialInfo info = new ScramCredentialInfo(ScramMechanism.fromMechanismName(f[2]),
                        Integer.parseInt(f[3]));
                List<UserScramCredentialAlteration> change = List.of(new UserScramCredentialUpsertion(f[1], info, f[4]));
                admin.alterUserScramCredentials(change).all().get();
                return "set " + f[2] + " credential of " + f[1];
            }
            case "scram-delete": {
                need(f, 3);
                List<UserScramCredentialAlteration> change = List.of(
                        new UserScramCredentialDeletion(f[1], ScramMechanism.fromMechanismName(f[2])));
                try {
                    admin.alterUserScramCredentials(change).all().get();
                    return "deleted " + f[2] + " credential of " + f[1];
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof ResourceNotFoundException) return "no " + f[2] + " credential of " + f[1];
                    throw e;
                }
            }
            case "acl-add": {
                need(f, 6);
                admin.createAcls(List.of(allow(f))).all().get();
                return "allowed " + f[1] + " " + f[5] + " on " + f[2] + " " + f[3] + " " + f[4];
            }
            case "acl-want": {
                need(f, 6);
                WANTED.add(allow(f));
                return "noted " + f[1] + " " + f[5] + " on " + f[2] + " " + f[3] + " " + f[4];
            }
            case "acl-sync": {
                need(f, 2);
                List<AclBinding> wanted = new ArrayList<>();
                for (AclBinding b : WANTED) if (b.entry().principal().equals(f[1])) wanted.add(b);
                Collection<AclBinding> held = admin.describeAcls(principalFilter(f[1])).values().get();
                List<AclBinding> missing = new ArrayList<>(wanted);
                missing.removeAll(held);
                List<AclBindingFilter> others = new ArrayList<>();
                for (AclBinding b : held) if (!wanted.contains(b)) others.add(b.toFilter());
                if (!missing.isEmpty()) admin.createAcls(missing).all().get();
                if (!others.isEmpty()) admin.deleteAcls(others).all().get();
                return "ACLs of " + f[1] + ": " + missing.size() + " added, " + others.size() + " deleted, "
                        + wanted.size() + " in all";
            }
            case "acl-delete-principal": {
                need(f, 2);
                int deleted = admin.deleteAcls(List.of(principalFilter(f[1]))).all().get().size();
                return "deleted " + deleted + " ACLs of " + f[1];
            }
            case "acl-list": {
                need(f, 2);
                for (AclBinding b : admin.describeAcls(principalFilter(f[1])).values().get()) {
                    System.out.println(String.join("\t", "acl", b.pattern().resourceType().name(),
                            b.pattern().patternType().name(), b.pattern().name(), b.entry().operation().name(),
                            b.entry().permissionType().name()));
                }
                return "listed ACLs of " + f[1];
            }
            case "scram-list": {
                need(f, 2);
                try {
                    Map<String, UserScramCredentialsDescription> all =
                            admin.describeUserScramCredentials(List.of(f[1])).all().get();
                    for (UserScramCredentialsDescription d : all.values()) {
                        for (ScramCredentialInfo info : d.credentialInfos()) {
                            System.out.println("scram\t" + info.mechanism().mechanismName() + "\t" + info.iterations());
                        }
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof ResourceNotFoundException)) throw e;
                }
                return "listed SCRAM credentials of " + f[1];
            }
            default:
                throw new IllegalArgumentException("unknown operation " + f[0]);
        }
    }

    private static AclBinding allow(String[] f) {
        ResourceType type = ResourceType.fromString(f[2]);
        PatternType pattern = PatternType.fromString(f[3]);
        AclOperation operation = AclOperation.fromString(f[5]);
        if (type == ResourceType.UNKNOWN || pattern == PatternType.UNKNOWN || operation == AclOperation.UNKNOWN) {
            throw new IllegalArgumentException("unknown resource type, pattern type or operation");
        }
        return new AclBinding(new ResourcePattern(type, f[4], pattern),
                new AccessControlEntry(f[1], "*", operation, AclPermissionType.ALLOW));
    }

    private static AclBindingFilter principalFilter(String principal) {
        return new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter(principal, null, AclOperation.ANY, AclPermissionType.ANY));
    }

    private static void need(String[] f, int n) {
        if (f.length != n) throw new IllegalArgumentException(f[0] + " takes " + (n - 1) + " fields, got " + (f.length - 1));
    }
}
