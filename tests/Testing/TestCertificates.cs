using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MediaCluster.Testing;

/// <summary>Self-signed certificates with private keys, as a cluster's credentials (or a stranger's).</summary>
public static class TestCertificates
{
    /// <summary>A new self-signed certificate (RSA 2048, by default valid from 5 minutes ago for a day) with its private key.</summary>
    public static X509Certificate2 SelfSigned(string subject = "CN=mediacluster", DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server and client authentication
        using var made = request.CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5), notAfter ?? DateTimeOffset.UtcNow.AddDays(1));

        // Round-trip through PKCS#12 so the key is a persisted one, as when a node loads its file.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>Writes <paramref name="certificate"/> with its key as a PKCS#12 file.</summary>
    public static string WritePkcs12(X509Certificate2 certificate, string path, string? password = null)
    {
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }
}
