#!/usr/bin/python3
"""The peer for the vSphere API inventory benchmark: VMware's own Python SDK (pyvmomi, Debian's
python3-pyvmomi) reading the same VM properties from many hosts at once, each host's certificate
pinned by its thumbprint (SHA-1, the only kind this pyvmomi takes; VmBoot pins by SHA-256). Prints
the number of VMs read and the milliseconds it took (the interpreter's start left out, as VmBoot's
is measured inside a running PowerShell).

Usage: peer-pyvmomi-inventory.py USER PASSWORD HOST:PORT:SHA1 ...
"""
import ssl
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

PROPERTIES = ["name", "config.files.vmPathName", "config.guestId", "config.version",
              "config.annotation", "config.managedBy", "runtime.powerState"]


def inventory(user, password, target):
    host, port, thumbprint = target.rsplit(":", 2)
    # The chain is not checked (self-signed, as ESXi's): the thumbprint is.
    context = ssl._create_unverified_context()
    si = SmartConnect(host=host, port=int(port), user=user, pwd=password, sslContext=context,
                      thumbprint=thumbprint)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
        try:
            spec = vmodl.query.PropertyCollector.FilterSpec(
                objectSet=[vmodl.query.PropertyCollector.ObjectSpec(
                    obj=view, skip=True,
                    selectSet=[vmodl.query.PropertyCollector.TraversalSpec(
                        name="view", type=vim.view.ContainerView, path="view", skip=False)])],
                propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=PROPERTIES)])
            collector = content.propertyCollector
            result = collector.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
            vms = []
            while result:
                vms.extend(result.objects)
                result = collector.ContinueRetrievePropertiesEx(result.token) if result.token else None
            return len(vms)
        finally:
            view.Destroy()
    finally:
        Disconnect(si)


def main():
    user, password, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        count = sum(pool.map(lambda t: inventory(user, password, t), targets))
    print(count, round((time.perf_counter() - started) * 1000, 1))


if __name__ == "__main__":
    main()
