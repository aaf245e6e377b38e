#!/usr/bin/python3
"""The peer for the vSphere API power benchmarks: what an admin writes with VMware's Python SDK (pyvmomi) to
do the plan's two stages on many hosts, each host's certificate pinned by its SHA-1 thumbprint.

  boot:     power on vCenter (VMs named vcsa*), wait until its guest heartbeat is green, then power on every
            other VM, all at once;
  shutdown: ask every guest but vCenter to shut down, wait until all are off (a hard power-off for any still on
            after TIMEOUT seconds), then the same for vCenter.

Polls every POLL milliseconds. Prints how many VMs ended in the state asked for and the milliseconds it took,
logins included (as VmBoot's), the interpreter's start left out. Usage: peer-pyvmomi-power.py boot|shutdown POLL TIMEOUT USER PASSWORD HOST:PORT:SHA1 ...
"""
import ssl
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTasks
from pyVmomi import vim


def connect(user, password, target):
    host, port, thumbprint = target.rsplit(":", 2)
    return SmartConnect(host=host, port=int(port), user=user, pwd=password, sslContext=ssl._create_unverified_context(),
                        thumbprint=thumbprint)


def vms_of(si):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return [(si, vm) for vm in view.view]
    finally:
        view.Destroy()


def wait_until(done, poll, timeout):
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(poll)


# One thread per host: a session's tasks are waited for together (WaitForTasks waits on the session's one property
# collector, which two threads would share).
def on_each_host(pairs, pool, act):
    hosts = {}
    for si, vm in pairs:
        hosts.setdefault(si, []).append(vm)
    list(pool.map(lambda item: act(item[0], item[1]), hosts.items()))


def run_tasks(pairs, pool, start):
    on_each_host(pairs, pool, lambda si, vms: WaitForTasks([start(vm) for vm in vms], si=si) if vms else None)


def boot(stages, poll, pool):
    for stage in stages:
        run_tasks([(si, vm) for si, vm in stage if vm.runtime.powerState != "poweredOn"], pool, lambda vm: vm.PowerOnVM_Task())
        if stage is stages[0]:
            wait_until(lambda: all(vm.guestHeartbeatStatus == "green" for _, vm in stage), poll, 300)


def shutdown(stages, poll, timeout, pool):
    for stage in reversed(stages):
        on = [(si, vm) for si, vm in stage if vm.runtime.powerState == "poweredOn"]
        on_each_host(on, pool, lambda si, vms: [vm.ShutdownGuest() for vm in vms])
        wait_until(lambda: all(vm.runtime.powerState == "poweredOff" for _, vm in on), poll, timeout)
        run_tasks([(si, vm) for si, vm in on if vm.runtime.powerState != "poweredOff"], pool, lambda vm: vm.PowerOffVM_Task())


def main():
    action, poll, timeout, user, password, targets = sys.argv[1], int(sys.argv[2]) / 1000, int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6:]
    with ThreadPoolExecutor(max_workers=32) as pool:
        started = time.perf_counter()
        sessions = list(pool.map(lambda t: connect(user, password, t), targets))
        try:
            everything = [pair for si in sessions for pair in vms_of(si)]
            vcenter = [(si, vm) for si, vm in everything if vm.name.startswith("vcsa")]
            rest = [(si, vm) for si, vm in everything if not vm.name.startswith("vcsa")]
            if action == "boot":
                boot([vcenter, rest], poll, pool)
            else:
                shutdown([vcenter, rest], poll, timeout, pool)
            elapsed = (time.perf_counter() - started) * 1000
            changed = sum(1 for _, vm in everything if vm.runtime.powerState == ("poweredOn" if action == "boot" else "poweredOff"))
        finally:
            for si in sessions:
                Disconnect(si)
    print(changed, round(elapsed, 1))


if __name__ == "__main__":
    main()
